// system check: the locks and the report (the checks are in
// system_check_containers.cpp and system_check_images.cpp).
#include "conman/system_check.hpp"

#include "conman/image_store.hpp"
#include "conman/store.hpp"

namespace conman {

void CheckReport::add(std::string object, std::string problem, std::string action, const std::function<void()>& fix) {
    CheckFinding f{std::move(object), std::move(problem), fix ? std::move(action) : std::string(), false, ""};
    if (repair_ && fix) {
        try {
            fix();
            f.repaired = true;
        } catch (const std::exception& e) {
            f.error = e.what();
        }
    }
    findings_.push_back(std::move(f));
}

std::vector<CheckFinding> system_check(const Context& ctx, const CheckOptions& o) {
    CheckReport report(o.repair);
    ImageStore images(ctx);
    FileLock image_lock = images.lock();  // image before store, as rmi
    Store store(ctx);
    FileLock store_lock = store.lock();
    check_containers(ctx, report);
    std::vector<std::string> in_use;
    for (auto& id : store.ids()) {
        Container c = store.load(id);
        if (!c.config.image_id.empty()) in_use.push_back(c.config.image_id);
    }
    check_images(ctx, o, in_use, report);
    return report.findings();
}

}  // namespace conman
