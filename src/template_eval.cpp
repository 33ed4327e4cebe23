// Evaluator: walks the syntax tree against JSON data.
#include "template_ast.hpp"

namespace conman::tmpl {
namespace {

const json kNull;

// Field lookup on an object: exact key, then the first key (in sorted order)
// that matches ignoring ASCII case, so .Id finds "ID". A missing key is null,
// as a Go map gives an invalid value; a field of null is null.
const json& field(const json& v, const std::string& name) {
    if (v.is_null()) return kNull;
    if (!v.is_object()) tfail("can't evaluate field {} in type {}", name, type_name(v));
    auto it = v.find(name);
    if (it != v.end()) return *it;
    for (auto i = v.begin(); i != v.end(); ++i) {
        const std::string& k = i.key();
        if (k.size() == name.size() &&
            std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
            }))
            return *i;
    }
    return kNull;
}

enum class Flow { Normal, Break, Continue };

class Exec {
public:
    Exec(const json& root, std::string& out) : out_(out) { vars_.emplace_back("$", root); }

    Flow walk_list(const json& dot, const List& list) {
        for (const Node& n : list) {
            Flow f = walk(dot, n);
            if (f != Flow::Normal) return f;
        }
        return Flow::Normal;
    }

private:
    std::string& out_;
    std::vector<std::pair<std::string, json>> vars_;
    size_t steps_ = 0;  // against kMaxSteps (template_ast.hpp)

    void step() {
        if (++steps_ > kMaxSteps) tfail("execution took more than {} steps", kMaxSteps);
    }
    void check_output() const {
        if (out_.size() > kMaxBytes) tfail("output larger than {} bytes", kMaxBytes);
    }

    Flow walk(const json& dot, const Node& n) {
        step();
        switch (n.kind) {
        case Node::Text:
            out_ += n.text;
            check_output();
            break;
        case Node::Action: {
            json v = eval_pipeline(dot, n.pipe);
            if (n.pipe.decl.empty()) out_ += v.is_null() ? "<no value>" : print_value(v);
            check_output();
            break;
        }
        case Node::If:
        case Node::With: {
            size_t mark = vars_.size();
            json v = eval_pipeline(dot, n.pipe);
            Flow f = truthy(v) ? walk_list(n.kind == Node::With ? v : dot, n.body)
                               : walk_list(dot, n.else_body);
            vars_.resize(mark);
            return f;
        }
        case Node::Range: return walk_range(dot, n);
        case Node::Break: return Flow::Break;
        case Node::Continue: return Flow::Continue;
        }
        return Flow::Normal;
    }

    Flow walk_range(const json& dot, const Node& n) {
        size_t mark = vars_.size();
        json v = eval_commands(dot, n.pipe);
        bool stopped = false;
        size_t count = 0;
        auto one = [&](json key, const json& elem) {
            vars_.resize(mark);
            if (n.pipe.decl.size() == 1) vars_.emplace_back(n.pipe.decl[0], elem);
            if (n.pipe.decl.size() == 2) {
                vars_.emplace_back(n.pipe.decl[0], std::move(key));
                vars_.emplace_back(n.pipe.decl[1], elem);
            }
            ++count;
            step();
            stopped = walk_list(elem, n.body) == Flow::Break;
        };
        if (v.is_array()) {
            for (size_t i = 0; i < v.size() && !stopped; ++i) one(static_cast<int64_t>(i), v[i]);
        } else if (v.is_object()) {
            for (auto it = v.begin(); it != v.end() && !stopped; ++it) one(it.key(), it.value());
        } else if (v.is_number_integer()) {
            for (int64_t i = 0; i < v.get<int64_t>() && !stopped; ++i) one(i, i);
        } else if (!v.is_null()) {
            tfail("range can't iterate over {}", print_value(v));
        }
        vars_.resize(mark);
        if (count == 0) {
            Flow f = walk_list(dot, n.else_body);
            vars_.resize(mark);
            return f;
        }
        return Flow::Normal;
    }

    json eval_commands(const json& dot, const Pipeline& p) {
        json val;
        bool have = false;
        for (const Command& c : p.cmds) {
            json r = eval_command(dot, c, have ? &val : nullptr);
            val = std::move(r);
            have = true;
        }
        return val;
    }

    json eval_pipeline(const json& dot, const Pipeline& p) {
        json val = eval_commands(dot, p);
        for (const auto& name : p.decl) {
            if (!p.assign) {
                vars_.emplace_back(name, val);
                continue;
            }
            for (auto it = vars_.rbegin(); it != vars_.rend(); ++it)
                if (it->first == name) {
                    it->second = val;
                    break;
                }
        }
        return val;
    }

    json eval_command(const json& dot, const Command& c, const json* final) {
        const Expr& first = c.args[0];
        if (first.kind == Expr::Func) return call(dot, first.name, c, final);
        if (c.args.size() > 1 || final) tfail("can't give argument to non-function {}", first.text);
        if (first.kind == Expr::Nil) tfail("nil is not a command");
        return eval_expr(dot, first);
    }

    json call(const json& dot, const std::string& name, const Command& c, const json* final) {
        if (name == "and" || name == "or") {
            if (c.args.size() == 1 && !final) tfail("wrong number of args for {}: want at least 1 got 0", name);
            // Short-circuit: and stops at the first false value, or at the first true one.
            bool stop_on = name == "or";
            json v;
            for (size_t i = 1; i < c.args.size(); ++i) {
                v = eval_expr(dot, c.args[i]);
                if (truthy(v) == stop_on) return v;
            }
            return final ? *final : v;
        }
        std::vector<json> args;
        args.reserve(c.args.size());
        for (size_t i = 1; i < c.args.size(); ++i) args.push_back(eval_expr(dot, c.args[i]));
        if (final) args.push_back(*final);
        json r = call_func(name, args);
        if (r.is_string() && r.get_ref<const std::string&>().size() > kMaxBytes)
            tfail("{}: result larger than {} bytes", name, kMaxBytes);
        if (r.is_array() && r.size() > kMaxBytes / 16) tfail("{}: result longer than {} elements", name, kMaxBytes / 16);
        return r;
    }

    const json& var(const std::string& name) const {
        for (auto it = vars_.rbegin(); it != vars_.rend(); ++it)
            if (it->first == name) return it->second;
        tfail("undefined variable {}", go_quote(name));
    }

    static json chain(const json& base, const std::vector<std::string>& names) {
        const json* v = &base;
        for (const auto& n : names) v = &field(*v, n);
        return *v;
    }

    json eval_expr(const json& dot, const Expr& e) {
        step();
        switch (e.kind) {
        case Expr::Dot: return dot;
        case Expr::Field: return chain(dot, e.chain);
        case Expr::Var: return chain(var(e.name), e.chain);
        case Expr::Paren: return chain(eval_pipeline(dot, *e.pipe), e.chain);
        case Expr::Literal: return e.literal;
        case Expr::Nil: return nullptr;
        case Expr::Func: {
            Command c;
            c.args.push_back(e);
            return call(dot, e.name, c, nullptr);
        }
        }
        return nullptr;
    }
};

}  // namespace

void execute(const List& root, const json& data, std::string& out) {
    Exec(data, out).walk_list(data, root);
}

}  // namespace conman::tmpl
