// Parser: tokens -> syntax tree. Undefined functions and variables are
// parse errors, as in Go.
#include "template_ast.hpp"

namespace conman::tmpl {
namespace {

std::string describe(const Token& t) {
    switch (t.type) {
    case Tok::Eof: return "EOF";
    case Tok::Keyword: return "<" + t.text + ">";
    case Tok::Field: return go_quote("." + t.text);
    case Tok::String: return go_quote(go_quote(t.text));
    default: return go_quote(t.text);
    }
}

class Parser {
public:
    explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

    List parse_all() {
        List out;
        switch (parse_list(out)) {
        case Stop::End: tfail("unexpected {}", "{{end}}");
        case Stop::Else: tfail("unexpected {}", "{{else}}");
        case Stop::Eof: break;
        }
        return out;
    }

private:
    enum class Stop { Eof, End, Else };

    std::vector<Token> t_;
    size_t i_ = 0;
    std::vector<std::string> vars_{"$"};
    int range_depth_ = 0;
    int depth_ = 0;  // open control blocks and parentheses

    // Parsing and executing recurse once per nesting level: past this a
    // format string would overflow the stack instead of being refused.
    static constexpr int kMaxDepth = 1000;
    struct Nest {
        int& d;
        explicit Nest(int& depth) : d(depth) {
            if (++d > kMaxDepth) {
                --d;
                tfail("nested more than {} levels deep", kMaxDepth);
            }
        }
        ~Nest() { --d; }
    };

    const Token& peek(size_t k = 0) const {
        const Token& t = t_[std::min(i_ + k, t_.size() - 1)];
        if (t.type == Tok::Error) tfail("{}", t.text);
        return t;
    }
    const Token& next() {
        const Token& t = peek();
        if (i_ < t_.size() - 1) ++i_;
        return t;
    }
    bool is_keyword(const Token& t, std::string_view k) const {
        return t.type == Tok::Keyword && t.text == k;
    }
    void expect_close(std::string_view context) {
        if (peek().type != Tok::Close) tfail("unexpected {} in {}", describe(peek()), context);
        next();
    }
    bool var_defined(const std::string& name) const {
        return std::find(vars_.begin(), vars_.end(), name) != vars_.end();
    }

    Stop parse_list(List& out) {
        for (;;) {
            const Token& tk = next();
            if (tk.type == Tok::Eof) return Stop::Eof;
            if (tk.type == Tok::Text) {
                out.push_back(Node{Node::Text, tk.text, {}, {}, {}});
                continue;
            }
            // tk is Open.
            const Token& k = peek();
            if (k.type != Tok::Keyword) {
                Node n{Node::Action, "", {}, {}, {}};
                n.pipe = parse_pipeline("command", 1, Tok::Close);
                out.push_back(std::move(n));
                continue;
            }
            std::string kw = next().text;
            if (kw == "end") {
                expect_close("end");
                return Stop::End;
            }
            if (kw == "else") return Stop::Else;
            if (kw == "if") out.push_back(parse_control(Node::If));
            else if (kw == "range") out.push_back(parse_control(Node::Range));
            else if (kw == "with") out.push_back(parse_control(Node::With));
            else if (kw == "break" || kw == "continue") {
                if (range_depth_ == 0) tfail("{{{{{}}}}} outside {{{{range}}}}", kw);
                expect_close(kw);
                out.push_back(Node{kw == "break" ? Node::Break : Node::Continue, "", {}, {}, {}});
            } else {
                tfail("{{{{{}}}}} is not supported", kw);
            }
        }
    }

    Node parse_control(Node::Kind kind) {
        Nest nest(depth_);
        const char* name = kind == Node::If ? "if" : kind == Node::Range ? "range" : "with";
        size_t mark = vars_.size();
        Node n{kind, "", {}, {}, {}};
        n.pipe = parse_pipeline(name, kind == Node::Range ? 2 : 1, Tok::Close);
        if (kind == Node::Range) ++range_depth_;
        Stop s = parse_list(n.body);
        if (kind == Node::Range) --range_depth_;
        if (s == Stop::Eof) tfail("unexpected EOF");
        if (s == Stop::Else) {
            // {{else if ...}} and {{else with ...}} chain: the nested block
            // consumes the single {{end}}.
            if (kind != Node::Range && is_keyword(peek(), name)) {
                next();
                n.else_body.push_back(parse_control(kind));
            } else {
                expect_close("else");
                Stop s2 = parse_list(n.else_body);
                if (s2 == Stop::Eof) tfail("unexpected EOF");
                if (s2 == Stop::Else) tfail("expected end; found {}", "{{else}}");
            }
        }
        vars_.resize(mark);
        return n;
    }

    void parse_decl(Pipeline& p, size_t max_decl, std::string_view context) {
        if (peek().type != Tok::Var) return;
        size_t n = 0;
        if (peek(1).type == Tok::Declare || peek(1).type == Tok::Assign) {
            n = 1;
        } else if (peek(1).type == Tok::Comma && peek(2).type == Tok::Var &&
                   (peek(3).type == Tok::Declare || peek(3).type == Tok::Assign)) {
            n = 2;
        } else {
            return;
        }
        if (n > max_decl) tfail("too many declarations in {}", context);
        p.decl.push_back(next().text);
        if (n == 2) {
            next();
            p.decl.push_back(next().text);
        }
        p.assign = next().type == Tok::Assign;
        if (p.assign)
            for (const auto& v : p.decl)
                if (!var_defined(v)) tfail("undefined variable {}", go_quote(v));
    }

    Pipeline parse_pipeline(std::string_view context, size_t max_decl, Tok end) {
        Pipeline p;
        parse_decl(p, max_decl, context);
        while (peek().type != end) {
            p.cmds.push_back(parse_command(end));
            if (peek().type == Tok::Pipe) {
                next();
                if (peek().type == end) tfail("missing command after {}", "|");
            }
        }
        next();
        if (p.cmds.empty()) tfail("missing value for {}", context);
        for (size_t i = 1; i < p.cmds.size(); ++i) {
            Expr::Kind k = p.cmds[i].args[0].kind;
            if (k == Expr::Dot || k == Expr::Literal || k == Expr::Nil)
                tfail("non executable command in pipeline stage {}", i + 1);
        }
        if (!p.assign)
            for (const auto& v : p.decl) vars_.push_back(v);
        return p;
    }

    Command parse_command(Tok end) {
        Command c;
        for (;;) {
            const Token& tk = peek();
            if (tk.type == Tok::Pipe || tk.type == end) break;
            if (tk.type == Tok::Close) tfail("unclosed left paren");
            if (tk.type == Tok::RParen) tfail("unexpected right paren");
            if (!c.args.empty() && !tk.space_before) tfail("unexpected {} in operand", describe(tk));
            c.args.push_back(parse_operand());
        }
        if (c.args.empty()) tfail("missing value for command");
        return c;
    }

    Expr parse_operand() {
        const Token& tk = next();
        Expr e;
        e.text = tk.text;
        switch (tk.type) {
        case Tok::Field:
            e.kind = Expr::Field;
            e.chain.push_back(tk.text);
            e.text = "." + tk.text;
            break;
        case Tok::Var:
            if (!var_defined(tk.text)) tfail("undefined variable {}", go_quote(tk.text));
            e.kind = Expr::Var;
            e.name = tk.text;
            break;
        case Tok::Dot: e.kind = Expr::Dot; break;
        case Tok::Ident:
            if (!func_defined(tk.text)) tfail("function {} not defined", go_quote(tk.text));
            e.kind = Expr::Func;
            e.name = tk.text;
            break;
        case Tok::LParen: {
            Nest nest(depth_);
            auto pipe = std::make_shared<Pipeline>(parse_pipeline("parenthesized pipeline", 0, Tok::RParen));
            e.kind = Expr::Paren;
            e.pipe = std::move(pipe);
            e.text = "(...)";
            break;
        }
        case Tok::String:
        case Tok::Number:
        case Tok::Bool:
            e.kind = Expr::Literal;
            e.literal = tk.value;
            if (tk.type == Tok::String) e.text = go_quote(tk.text);
            break;
        case Tok::Nil: e.kind = Expr::Nil; break;
        default: tfail("unexpected {} in operand", describe(tk));
        }
        while (peek().type == Tok::Field && !peek().space_before) {
            if (e.kind != Expr::Field && e.kind != Expr::Var && e.kind != Expr::Paren)
                tfail("unexpected . after term {}", go_quote(e.text));
            e.chain.push_back(next().text);
            if (e.kind != Expr::Field || e.chain.size() > 1) e.text += "." + e.chain.back();
        }
        return e;
    }
};

}  // namespace

std::shared_ptr<const List> parse_tree(std::string_view src) {
    return std::make_shared<const List>(Parser(lex(src)).parse_all());
}

}  // namespace conman::tmpl
