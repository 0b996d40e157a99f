#include "aml_reader.h"

#include <fmt/format.h>

namespace vireo::acpi::testing {

Result<PkgLength> decode_pkg_length(std::span<uint8_t const> bytes) {
    if (bytes.empty())
        return make_error("PkgLength missing");
    size_t const following = bytes[0] >> 6;
    if (following == 0)
        return PkgLength{bytes[0] & 0x3fU, 1};
    // With following bytes, bits 4-5 of the lead byte are reserved (ACPI 6.5 20.2.4).
    if ((bytes[0] & 0x30) != 0)
        return make_error("PkgLength lead byte {:#x} sets reserved bits", bytes[0]);
    if (bytes.size() < 1 + following)
        return make_error("PkgLength truncated");
    size_t value = bytes[0] & 0x0fU;
    for (size_t i = 0; i < following; ++i)
        value |= size_t{bytes[1 + i]} << (4 + 8 * i);
    return PkgLength{value, 1 + following};
}

namespace {

Term make_term(Term::Kind kind, uint64_t value = 0, size_t encoded_size = 0) {
    Term term;
    term.kind = kind;
    term.value = value;
    term.encoded_size = encoded_size;
    return term;
}

bool is_lead_name_char(uint8_t c) {
    return (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(uint8_t c) {
    return is_lead_name_char(c) || (c >= '0' && c <= '9');
}
bool starts_name_string(uint8_t c) {
    return is_lead_name_char(c) || c == '\\' || c == '^' || c == 0x2e || c == 0x2f;
}

class Parser {
public:
    explicit Parser(std::span<uint8_t const> bytes)
        : bytes_(bytes)
        , limit_(bytes.size()) {}

    Result<std::vector<Term>> term_list(size_t end) {
        std::vector<Term> terms;
        while (pos_ < end)
            terms.push_back(TRY(term()));
        if (pos_ != end)
            return make_error("term list overruns its package at offset {}", pos_);
        return terms;
    }

private:
    Result<uint8_t> next() {
        if (pos_ >= limit_)
            return make_error("AML ends inside a term at offset {}", pos_);
        return bytes_[pos_++];
    }

    Result<uint64_t> little_endian(size_t width) {
        uint64_t value = 0;
        for (size_t i = 0; i < width; ++i)
            value |= uint64_t{TRY(next())} << (8 * i);
        return value;
    }

    // Reads a PkgLength and returns the offset where the package ends.
    Result<size_t> package_end() {
        size_t const start = pos_;
        auto const length = TRY(decode_pkg_length(bytes_.subspan(pos_, limit_ - pos_)));
        if (length.value < length.encoded_size || start + length.value > limit_)
            return make_error("PkgLength {} at offset {} overruns its parent", length.value, start);
        pos_ += length.encoded_size;
        return start + length.value;
    }

    Result<std::string> name_segment() {
        std::string segment;
        for (size_t i = 0; i < 4; ++i) {
            uint8_t const c = TRY(next());
            if (i == 0 ? !is_lead_name_char(c) : !is_name_char(c))
                return make_error("bad name character {:#x} at offset {}", c, pos_ - 1);
            segment.push_back(static_cast<char>(c));
        }
        return segment;
    }

    Result<std::string> name_string() {
        std::string name;
        if (pos_ >= limit_)
            return make_error("NameString missing at offset {}", pos_);
        if (bytes_[pos_] == '\\') {
            TRY(next());
            name = "\\";
        } else {
            while (pos_ < limit_ && bytes_[pos_] == '^')
                name.push_back(static_cast<char>(TRY(next())));
        }
        uint8_t const lead = TRY(next());
        size_t count = 1;
        if (lead == 0x00)
            return name; // NullName
        if (lead == 0x2e)
            count = 2;
        else if (lead == 0x2f)
            count = TRY(next());
        else
            --pos_;
        for (size_t i = 0; i < count; ++i)
            name += (i == 0 ? "" : ".") + TRY(name_segment());
        return name;
    }

    Result<Term> with_children(Term term, size_t count) {
        for (size_t i = 0; i < count; ++i)
            term.children.push_back(TRY(term_arg()));
        return term;
    }

    Result<Term> integer(size_t width) {
        size_t const start = pos_ - 1;
        uint64_t const value = TRY(little_endian(width));
        return make_term(Term::Kind::Integer, value, pos_ - start);
    }

    Result<Term> string() {
        Term term = make_term(Term::Kind::String);
        for (uint8_t c = TRY(next()); c != 0; c = TRY(next())) {
            if (c > 0x7f)
                return make_error("non-ASCII string character {:#x}", c);
            term.data.push_back(c);
        }
        return term;
    }

    // Narrows parsing to a package's contents for as long as it lives.
    class Narrowed {
    public:
        Narrowed(size_t& limit, size_t end)
            : limit_(limit)
            , saved_(limit) {
            limit_ = end;
        }
        ~Narrowed() { limit_ = saved_; }
        Narrowed(Narrowed const&) = delete;
        Narrowed& operator=(Narrowed const&) = delete;

    private:
        size_t& limit_;
        size_t saved_;
    };

    Result<Term> buffer() {
        size_t const end = TRY(package_end());
        Narrowed const narrowed(limit_, end);
        Term const size = TRY(term_arg());
        if (size.kind != Term::Kind::Integer)
            return make_error("buffer size at offset {} is not an integer", pos_);
        Term term = make_term(Term::Kind::Buffer, size.value);
        term.data.assign(bytes_.begin() + static_cast<long>(pos_),
                         bytes_.begin() + static_cast<long>(end));
        pos_ = end;
        return term;
    }

    Result<Term> package() {
        size_t const end = TRY(package_end());
        Narrowed const narrowed(limit_, end);
        uint8_t const count = TRY(next());
        Term term = make_term(Term::Kind::Package, count);
        while (pos_ < end)
            term.children.push_back(TRY(term_arg()));
        return term;
    }

    // A named scope-like term: PkgLength NameString [flags] TermList.
    Result<Term> scoped(Term::Kind kind, bool has_flags) {
        size_t const end = TRY(package_end());
        Narrowed const narrowed(limit_, end);
        Term term = make_term(kind);
        term.name = TRY(name_string());
        if (has_flags)
            term.value = TRY(next());
        term.children = TRY(term_list(end));
        return term;
    }

    // If: PkgLength Predicate TermList; Else: PkgLength TermList.
    Result<Term> conditional(Term::Kind kind) {
        size_t const end = TRY(package_end());
        Narrowed const narrowed(limit_, end);
        Term term = make_term(kind);
        if (kind == Term::Kind::If)
            term.children.push_back(TRY(term_arg()));
        for (auto& child : TRY(term_list(end)))
            term.children.push_back(std::move(child));
        return term;
    }

    Result<Term> or_term() {
        Term term = TRY(with_children(make_term(Term::Kind::Or), 2));
        term.name = TRY(name_string()); // Target: a name or NullName
        return term;
    }

    Result<Term> create_dword_field() {
        Term term = TRY(with_children(make_term(Term::Kind::CreateDWordField), 2));
        term.name = TRY(name_string());
        return term;
    }

    Result<Term> term() {
        uint8_t const op = bytes_[pos_];
        if (op == 0x08) {
            ++pos_;
            Term term = make_term(Term::Kind::Name);
            term.name = TRY(name_string());
            term.children.push_back(TRY(term_arg()));
            return term;
        }
        if (op == 0x5b && pos_ + 1 < limit_ && bytes_[pos_ + 1] == 0x82) {
            pos_ += 2;
            return scoped(Term::Kind::Device, false);
        }
        switch (op) {
        case 0x10:
            ++pos_;
            return scoped(Term::Kind::Scope, false);
        case 0x14:
            ++pos_;
            return scoped(Term::Kind::Method, true);
        case 0xa0:
            ++pos_;
            return conditional(Term::Kind::If);
        case 0xa1:
            ++pos_;
            return conditional(Term::Kind::Else);
        case 0xa4:
            ++pos_;
            return with_children(make_term(Term::Kind::Return), 1);
        case 0x8a:
            ++pos_;
            return create_dword_field();
        default:
            return term_arg();
        }
    }

    Result<Term> term_arg() {
        uint8_t const op = TRY(next());
        switch (op) {
        case 0x00:
            return make_term(Term::Kind::Integer, 0, 1);
        case 0x01:
            return make_term(Term::Kind::Integer, 1, 1);
        case 0xff:
            return make_term(Term::Kind::Integer, ~0ULL, 1);
        case 0x0a:
            return integer(1);
        case 0x0b:
            return integer(2);
        case 0x0c:
            return integer(4);
        case 0x0e:
            return integer(8);
        case 0x0d:
            return string();
        case 0x11:
            return buffer();
        case 0x12:
            return package();
        case 0x7d:
            return or_term();
        case 0x92:
            return with_children(make_term(Term::Kind::LNot), 1);
        case 0x93:
            return with_children(make_term(Term::Kind::LEqual), 2);
        default:
            break;
        }
        if (op >= 0x60 && op <= 0x67)
            return make_term(Term::Kind::Local, op - 0x60U);
        if (op >= 0x68 && op <= 0x6e)
            return make_term(Term::Kind::Arg, op - 0x68U);
        if (starts_name_string(op)) {
            --pos_;
            Term term = make_term(Term::Kind::NameRef);
            term.name = TRY(name_string());
            return term;
        }
        return make_error("unknown AML opcode {:#04x} at offset {}", op, pos_ - 1);
    }

    std::span<uint8_t const> bytes_;
    size_t pos_ = 0;
    size_t limit_;
};

std::vector<std::string> split_path(std::string const& path) {
    std::vector<std::string> segments;
    size_t start = 0;
    while (start < path.size()) {
        size_t const dot = path.find('.', start);
        size_t const stop = dot == std::string::npos ? path.size() : dot;
        segments.push_back(path.substr(start, stop - start));
        start = stop + 1;
    }
    return segments;
}

std::vector<std::string> resolve(std::vector<std::string> scope, std::string name) {
    if (!name.empty() && name[0] == '\\') {
        scope.clear();
        name.erase(0, 1);
    }
    while (!name.empty() && name[0] == '^') {
        if (!scope.empty())
            scope.pop_back();
        name.erase(0, 1);
    }
    for (auto& segment : split_path(name))
        scope.push_back(segment);
    return scope;
}

std::string path_text(std::vector<std::string> const& segments) {
    return "\\" + fmt::format("{}", fmt::join(segments, "."));
}

Result<void> add_names(Namespace& names, std::vector<Term> const& terms,
                       std::vector<std::string> const& scope) {
    for (auto const& term : terms) {
        auto const path = resolve(scope, term.name);
        Term const* entry = nullptr;
        if (term.kind == Term::Kind::Name)
            entry = &term.children.at(0);
        else if (term.kind == Term::Kind::Device || term.kind == Term::Kind::Method)
            entry = &term;
        if (entry != nullptr && !names.emplace(path_text(path), entry).second)
            return make_error("{} is defined twice", path_text(path));
        if (term.kind == Term::Kind::Device || term.kind == Term::Kind::Scope)
            TRY(add_names(names, term.children, path));
    }
    return {};
}

} // namespace

Result<std::vector<Term>> parse_aml(std::span<uint8_t const> term_list) {
    Parser parser(term_list);
    return parser.term_list(term_list.size());
}

Result<Namespace> build_namespace(std::vector<Term> const& terms) {
    Namespace names;
    TRY(add_names(names, terms, {}));
    return names;
}

std::string decode_eisa_id(uint32_t value) {
    auto const letter = [](uint32_t bits) {
        return static_cast<char>('@' + (bits & 0x1f));
    };
    uint32_t const b0 = value & 0xff, b1 = (value >> 8) & 0xff;
    std::string id{letter(b0 >> 2), letter(((b0 & 0x3) << 3) | (b1 >> 5)), letter(b1)};
    return id + fmt::format("{:02X}{:02X}", (value >> 16) & 0xff, value >> 24);
}

} // namespace vireo::acpi::testing
