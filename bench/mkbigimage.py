#!/usr/bin/env python3
"""The pull benchmark's image: an OCI layout with four gzip layers of about
25 MB each of random (incompressible) bytes, the first one also holding a
busybox root filesystem so `run --rm IMAGE true` works.

usage: mkbigimage.py ROOTFS OUTDIR
"""
import io
import os
import sys
import tarfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures"))
from mkimages import Layout, add_dir, add_file, image, rootfs_layer, tar_bytes  # noqa: E402

LAYER_BYTES = 25 * 1000 * 1000


def main():
    rootfs, out = sys.argv[1], sys.argv[2]
    base_tar = rootfs_layer(rootfs)
    layers = []
    for i in range(4):
        noise = os.urandom(LAYER_BYTES - (len(base_tar) if i == 0 else 0))
        def entries(t, i=i, noise=noise):
            if i == 0:
                with tarfile.open(fileobj=io.BytesIO(base_tar)) as src:
                    for m in src.getmembers():
                        t.addfile(m, src.extractfile(m) if m.isfile() else None)
            add_dir(t, "noise")
            add_file(t, f"noise/{i}.bin", noise)
        layers.append(tar_bytes(entries))
    lay = Layout(out)
    lay.write_index([image(lay, layers, {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]})])


if __name__ == "__main__":
    main()
