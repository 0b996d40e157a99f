#include "aml_eval.h"

#include <map>
#include <optional>
#include <string>

namespace vireo::acpi::testing {

namespace {

// A DWORD field created over a method argument's buffer.
struct Field {
    size_t arg;
    size_t byte_offset;
};

class Machine {
public:
    explicit Machine(std::vector<Value> args)
        : args_(std::move(args)) {}

    // Runs a term list; a Return sets result_ and stops.
    Result<void> run(std::vector<Term> const& terms, size_t first = 0) {
        for (size_t i = first; i < terms.size() && !result_; ++i) {
            Term const& term = terms[i];
            if (term.kind == Term::Kind::If) {
                Value const predicate = TRY(evaluate(term.children.at(0)));
                bool const taken = TRY(integer(predicate)) != 0;
                bool const has_else = i + 1 < terms.size() && terms[i + 1].kind == Term::Kind::Else;
                if (taken)
                    TRY(run(term.children, 1));
                else if (has_else)
                    TRY(run(terms[i + 1].children));
                i += has_else ? 1 : 0;
            } else {
                TRY(execute(term));
            }
        }
        return {};
    }

    std::optional<Value> const& result() const { return result_; }

private:
    Result<void> execute(Term const& term) {
        switch (term.kind) {
        case Term::Kind::CreateDWordField: {
            auto const arg = term.children.at(0);
            if (arg.kind != Term::Kind::Arg || arg.value >= args_.size())
                return make_error("CreateDWordField source is not an argument");
            Value const index_value = TRY(evaluate(term.children.at(1)));
            uint64_t const index = TRY(integer(index_value));
            fields_[term.name] = Field{arg.value, index};
            return {};
        }
        case Term::Kind::Return:
            result_ = TRY(evaluate(term.children.at(0)));
            return {};
        default:
            TRY(evaluate(term));
            return {};
        }
    }

    Result<Value> evaluate(Term const& term) {
        switch (term.kind) {
        case Term::Kind::Integer:
            return Value::of(term.value);
        case Term::Kind::Buffer:
            return Value::of(term.data);
        case Term::Kind::Arg:
            if (term.value >= args_.size())
                return make_error("Arg{} is not passed", term.value);
            return args_[term.value];
        case Term::Kind::NameRef:
            return read_field(term.name);
        case Term::Kind::LNot: {
            Value const operand = TRY(evaluate(term.children.at(0)));
            return Value::of(TRY(integer(operand)) == 0 ? ~0ULL : 0);
        }
        case Term::Kind::LEqual: {
            Value const left = TRY(evaluate(term.children.at(0)));
            Value const right = TRY(evaluate(term.children.at(1)));
            return Value::of(left == right ? ~0ULL : 0);
        }
        case Term::Kind::Or: {
            Value const left = TRY(evaluate(term.children.at(0)));
            Value const right = TRY(evaluate(term.children.at(1)));
            uint64_t const value = TRY(integer(left)) | TRY(integer(right));
            if (!term.name.empty())
                TRY(write_field(term.name, value));
            return Value::of(value);
        }
        default:
            return make_error("cannot evaluate term kind {}", static_cast<int>(term.kind));
        }
    }

    static Result<uint64_t> integer(Value const& value) {
        if (value.type != Value::Type::Integer)
            return make_error("expected an integer, got a buffer");
        return value.integer;
    }

    Result<std::vector<uint8_t>*> field_bytes(std::string const& name, Field& field) {
        Value& arg = args_[field.arg];
        if (arg.type != Value::Type::Buffer || field.byte_offset + 4 > arg.buffer.size())
            return make_error("field {} lies outside its buffer", name);
        return &arg.buffer;
    }

    Result<Value> read_field(std::string const& name) {
        auto found = fields_.find(name);
        if (found == fields_.end())
            return make_error("unknown name {}", name);
        auto const& bytes = *TRY(field_bytes(name, found->second));
        uint64_t value = 0;
        for (size_t i = 0; i < 4; ++i)
            value |= uint64_t{bytes[found->second.byte_offset + i]} << (8 * i);
        return Value::of(value);
    }

    Result<void> write_field(std::string const& name, uint64_t value) {
        auto found = fields_.find(name);
        if (found == fields_.end())
            return make_error("unknown target {}", name);
        auto& bytes = *TRY(field_bytes(name, found->second));
        for (size_t i = 0; i < 4; ++i)
            bytes[found->second.byte_offset + i] = static_cast<uint8_t>(value >> (8 * i));
        return {};
    }

    std::vector<Value> args_;
    std::map<std::string, Field> fields_;
    std::optional<Value> result_;
};

} // namespace

Result<Value> run_method(Term const& method, std::vector<Value> args) {
    if (method.kind != Term::Kind::Method)
        return make_error("{} is not a method", method.name);
    if ((method.value & 0x7) != args.size())
        return make_error("{} takes {} arguments, got {}", method.name, method.value & 0x7,
                          args.size());
    Machine machine(std::move(args));
    TRY(machine.run(method.children));
    if (!machine.result())
        return make_error("{} returned nothing", method.name);
    return *machine.result();
}

} // namespace vireo::acpi::testing
