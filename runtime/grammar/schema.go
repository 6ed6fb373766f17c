package grammar

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// SchemaError is an error in a JSON schema. Path is a JSON pointer into
// the schema document, such as #/properties/age/minimum.
type SchemaError struct {
	Path string
	Msg  string
}

func (e *SchemaError) Error() string { return "json schema: " + e.Path + ": " + e.Msg }

// FromJSONSchema converts a JSON schema into a GBNF grammar whose strings
// are exactly one JSON value that validates against the schema. The
// grammar is meant for a small model, so it allows few ways to write each
// value:
//
//   - JSON is compact, except that a single space may follow ':' and ','.
//   - Object properties come in the order the schema declares them.
//     additionalProperties defaults to false where properties are
//     declared (as in llama.cpp and OpenAI's strict mode); an object with
//     neither allows any members. Extra keys are written without escapes.
//   - Strings escape only what JSON requires, plus any \uXXXX except
//     surrogates, so that every escape is one character for minLength and
//     maxLength.
//   - Numbers have no exponent and no -0; bounds are exact (schema_number.go).
//   - Repetition bounds above 2000 (maxLength, maxItems) are capped there.
//
// Supported: type (one or several), enum, const, anyOf, oneOf (as anyOf:
// the branches are not checked for overlap), allOf with one member, $ref
// to local pointers (#/$defs/..., #/definitions/..., #; a $ref that reaches
// itself is unrolled 8 levels deep, counting each $ref met again inside
// its own expansion as a level), properties,
// required, additionalProperties, items, prefixItems, additionalItems,
// minItems, maxItems, minLength, maxLength, pattern (regular expressions
// without lookaround or word boundaries, not combined with the lengths),
// format date, time, date-time and uuid (other formats, like other
// annotations, are ignored), minimum, maximum, exclusiveMinimum,
// exclusiveMaximum (draft 4's booleans too). Keywords that assert what
// this converter cannot express (not, if, multipleOf, uniqueItems,
// patternProperties, ...) are errors rather than silently ignored: the
// output must validate. Errors are *SchemaError, with the path.
func FromJSONSchema(schema []byte) (string, error) {
	doc, err := parseJSON(schema)
	if err != nil {
		return "", err
	}
	c := &converter{doc: doc, taken: map[string]bool{}, refRule: map[refLevel]string{}, active: map[string]int{}, open: map[string]bool{}, shared: map[string]string{}}
	root := c.reserve("root")
	c.active["#"] = 1 // the root is the expansion of "#": {"$ref":"#"} inside it recurses
	expr, err := c.value(doc, "#", "root")
	if err != nil {
		return "", err
	}
	c.set(root, expr)
	var b strings.Builder
	for _, r := range c.rules {
		fmt.Fprintf(&b, "%s ::= %s\n", r.name, r.body)
	}
	return b.String(), nil
}

// CompileJSONSchema is FromJSONSchema followed by Parse.
func CompileJSONSchema(schema []byte) (*Grammar, error) {
	src, err := FromJSONSchema(schema)
	if err != nil {
		return nil, err
	}
	g, err := Parse(src)
	if err != nil {
		// The converter writes only grammars that parse; this is a bug.
		return nil, fmt.Errorf("json schema: the generated grammar does not parse: %w", err)
	}
	return g, nil
}

type genRule struct{ name, body string }

type converter struct {
	doc     *jsonValue
	rules   []genRule
	taken   map[string]bool
	refRule map[refLevel]string // $ref at a nesting level -> its rule
	// active counts the expansions of each $ref in progress; level is how
	// many times a $ref has been met again inside its own expansion.
	active map[string]int
	level  int
	// The $refs entered since the last '{' or '[': meeting one of them
	// again would be a rule that reaches itself before any character.
	open   map[string]bool
	shared map[string]string // shared rules (string, value, ...) by role
	depth  int
}

// reserve adds a rule with an unused name made from base, to be given its
// body by set, and returns its index.
func (c *converter) reserve(base string) int {
	name := ruleName(base)
	if c.taken[name] {
		for i := 2; ; i++ {
			if n := fmt.Sprintf("%s-%d", name, i); !c.taken[n] {
				name = n
				break
			}
		}
	}
	c.taken[name] = true
	c.rules = append(c.rules, genRule{name: name})
	return len(c.rules) - 1
}

func (c *converter) set(i int, body string) { c.rules[i].body = body }

// rule adds a rule and returns its name.
func (c *converter) rule(base, body string) string {
	i := c.reserve(base)
	c.set(i, body)
	return c.rules[i].name
}

var nameJunk = regexp.MustCompile(`[^a-z0-9]+`)

// ruleName turns a schema name into a GBNF rule name.
func ruleName(s string) string {
	s = strings.Trim(nameJunk.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if s == "" {
		return "r"
	}
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	return s
}

// Keywords the converter ignores: annotations, and containers of schemas
// that are reached only through $ref.
var annotations = map[string]bool{
	"title": true, "description": true, "default": true, "examples": true, "example": true,
	"$comment": true, "$schema": true, "$id": true, "$anchor": true, "deprecated": true,
	"readOnly": true, "writeOnly": true, "$defs": true, "definitions": true,
	"contentMediaType": true, "contentEncoding": true, "nullable": true, "strict": true,
}

// Keywords that assert something this converter cannot express.
var unsupported = map[string]string{
	"not": "", "if": "", "then": "", "else": "", "dependentRequired": "", "dependentSchemas": "",
	"dependencies": "", "patternProperties": "", "propertyNames": "", "minProperties": "",
	"maxProperties": "", "unevaluatedProperties": "", "unevaluatedItems": "", "contains": "",
	"minContains": "", "maxContains": "", "multipleOf": "", "$dynamicRef": "", "$recursiveRef": "",
}

var typeKeywords = map[string][]string{
	"object":  {"properties", "required", "additionalProperties"},
	"array":   {"items", "prefixItems", "additionalItems", "minItems", "maxItems"},
	"string":  {"minLength", "maxLength", "pattern", "format"},
	"number":  {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"},
	"integer": nil, "boolean": nil, "null": nil,
}

// value converts the schema s at path into a GBNF expression; name is a
// base for the names of the rules it makes.
func (c *converter) value(s *jsonValue, path, name string) (string, error) {
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > 2*maxSchemaDepth {
		return "", &SchemaError{path, "schemas nested too deep"}
	}
	switch s.kind {
	case jsonBool:
		if !s.boolean {
			return "", &SchemaError{path, "the schema false allows no value"}
		}
		return c.sharedRule("value"), nil
	case jsonObject:
	default:
		return "", &SchemaError{path, "want a schema (an object or a boolean), found " + s.kind.String()}
	}
	for _, m := range s.members {
		if _, bad := unsupported[m.key]; bad {
			return "", &SchemaError{pointer(path, m.key), "keyword " + m.key + " is not supported"}
		}
		if m.key == "uniqueItems" && !(m.val.kind == jsonBool && !m.val.boolean) {
			return "", &SchemaError{pointer(path, m.key), "keyword uniqueItems is not supported"}
		}
	}
	// Keywords that replace the rest of the schema.
	for _, k := range []string{"$ref", "anyOf", "oneOf", "allOf"} {
		if v := s.get(k); v != nil {
			for _, m := range s.members {
				if m.key != k && !annotations[m.key] {
					return "", &SchemaError{pointer(path, m.key), "keywords beside " + k + " are not supported (move " + m.key + " into it)"}
				}
			}
			return c.applicator(k, v, pointer(path, k), name)
		}
	}
	types, err := c.types(s, path)
	if err != nil {
		return "", err
	}
	if v := s.get("const"); v != nil {
		return c.literals([]*jsonValue{v}, types, pointer(path, "const"))
	}
	if v := s.get("enum"); v != nil {
		if v.kind != jsonArray || len(v.items) == 0 {
			return "", &SchemaError{pointer(path, "enum"), "want a non-empty array"}
		}
		return c.literals(v.items, types, pointer(path, "enum"))
	}
	if types == nil {
		return c.sharedRule("value"), nil
	}
	var alts []string
	for _, t := range types {
		var x string
		switch t {
		case "object":
			x, err = c.object(s, path, name)
			if err == nil && len(types) > 1 {
				x = c.rule(name, x)
			}
		case "array":
			x, err = c.array(s, path, name)
			if err == nil && len(types) > 1 {
				x = c.rule(name, x)
			}
		case "string":
			x, err = c.str(s, path)
		case "integer":
			if slices.Contains(types, "number") {
				continue // number covers it
			}
			x, err = c.number(s, path, true)
		case "number":
			x, err = c.number(s, path, false)
		case "boolean":
			x = `"true" | "false"`
		case "null":
			x = `"null"`
		}
		if err != nil {
			return "", err
		}
		alts = append(alts, group(x))
	}
	return alt(alts...), nil
}

// applicator handles $ref, anyOf, oneOf and allOf.
func (c *converter) applicator(k string, v *jsonValue, path, name string) (string, error) {
	if k == "$ref" {
		if v.kind != jsonString {
			return "", &SchemaError{path, "want a string"}
		}
		return c.ref(v.str, path)
	}
	if v.kind != jsonArray || len(v.items) == 0 {
		return "", &SchemaError{path, "want a non-empty array of schemas"}
	}
	if k == "allOf" {
		if len(v.items) > 1 {
			return "", &SchemaError{path, "allOf with more than one schema is not supported"}
		}
		return c.value(v.items[0], path+"/0", name)
	}
	var alts []string
	for i, sub := range v.items {
		x, err := c.value(sub, fmt.Sprintf("%s/%d", path, i), name)
		if err != nil {
			return "", err
		}
		alts = append(alts, group(x))
	}
	return alt(alts...), nil
}

// maxRefNesting bounds how deep a $ref that reaches itself (a list, a
// tree) may nest in a generated value. Without a bound a small model can
// keep opening levels until max_tokens cuts the value, and a cut value is
// no value; with it, the innermost level must take a way out (null, an
// empty array, an absent property). Eight levels cover the nested data a
// tool call carries.
const maxRefNesting = 8

// refLevel names one copy of a $ref's rule: the copy at level n allows
// maxRefNesting-n more levels of recursion inside it.
type refLevel struct {
	ref   string
	level int
}

// never is an expression that matches nothing: the grammar compiler prunes
// the alternatives that need it.
const never = `[^\x00-\U0010FFFF]`

// ref resolves a local reference to a rule of its own, made once per
// nesting level. A $ref met inside its own expansion is a recursion: it
// gets a copy one level deeper, and past maxRefNesting it matches nothing,
// so that every value the grammar allows is finite and the recursion is
// unrolled rather than cyclic.
func (c *converter) ref(ref, path string) (string, error) {
	if c.open[ref] {
		return "", &SchemaError{path, fmt.Sprintf("$ref %q refers back to itself before any '{' or '[', so it describes no finite value", ref)}
	}
	if c.active[ref] > 0 {
		if c.level == maxRefNesting {
			return never, nil
		}
		c.level++
		defer func() { c.level-- }()
	}
	key := refLevel{ref, c.level}
	if name, ok := c.refRule[key]; ok {
		return name, nil
	}
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return "", &SchemaError{path, fmt.Sprintf("$ref %q: only references inside the schema (#...) are supported", ref)}
	}
	frag, err := url.PathUnescape(frag)
	if err != nil {
		return "", &SchemaError{path, fmt.Sprintf("$ref %q: %v", ref, err)}
	}
	target, base := c.doc, "root"
	if frag != "" {
		if !strings.HasPrefix(frag, "/") {
			return "", &SchemaError{path, fmt.Sprintf("$ref %q: anchors are not supported, only JSON pointers", ref)}
		}
		for _, tok := range strings.Split(frag[1:], "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			base = tok
			switch target.kind {
			case jsonObject:
				target = target.get(tok)
			case jsonArray:
				var i int
				if _, err := fmt.Sscanf(tok, "%d", &i); err != nil || i < 0 || i >= len(target.items) || fmt.Sprint(i) != tok {
					target = nil
				} else {
					target = target.items[i]
				}
			default:
				target = nil
			}
			if target == nil {
				return "", &SchemaError{path, fmt.Sprintf("$ref %q: no such place in the schema", ref)}
			}
		}
	}
	slot := c.reserve(base)
	name := c.rules[slot].name
	c.refRule[key] = name
	c.open[ref] = true
	c.active[ref]++
	x, err := c.value(target, "#"+frag, name)
	c.active[ref]--
	delete(c.open, ref)
	if err != nil {
		return "", err
	}
	c.set(slot, x)
	return name, nil
}

// enter starts a '{' or '[': $refs met inside it no longer count as open.
func (c *converter) enter() (restore func()) {
	saved := c.open
	c.open = map[string]bool{}
	return func() { c.open = saved }
}

var knownTypes = []string{"object", "array", "string", "integer", "number", "boolean", "null"}

// types returns the types a schema allows, nil for any. Without "type",
// the keywords of exactly one type imply it.
func (c *converter) types(s *jsonValue, path string) ([]string, error) {
	t := s.get("type")
	if t == nil {
		var found []string
		for _, typ := range knownTypes {
			for _, k := range typeKeywords[typ] {
				if s.get(k) != nil && !slices.Contains(found, typ) {
					found = append(found, typ)
				}
			}
		}
		if len(found) == 1 {
			return found, nil
		}
		return nil, nil
	}
	var names []string
	switch t.kind {
	case jsonString:
		names = []string{t.str}
	case jsonArray:
		for i, it := range t.items {
			if it.kind != jsonString {
				return nil, &SchemaError{fmt.Sprintf("%s/type/%d", path, i), "want a type name"}
			}
			if slices.Contains(names, it.str) {
				return nil, &SchemaError{fmt.Sprintf("%s/type/%d", path, i), fmt.Sprintf("type %q repeats", it.str)}
			}
			names = append(names, it.str)
		}
		if len(names) == 0 {
			return nil, &SchemaError{path + "/type", "want at least one type"}
		}
	default:
		return nil, &SchemaError{path + "/type", "want a type name or an array of them"}
	}
	for _, n := range names {
		if !slices.Contains(knownTypes, n) {
			return nil, &SchemaError{path + "/type", fmt.Sprintf("unknown type %q (known: %s)", n, strings.Join(knownTypes, ", "))}
		}
	}
	return names, nil
}

// literals spells the JSON values vals, those of the allowed types.
func (c *converter) literals(vals []*jsonValue, types []string, path string) (string, error) {
	var alts []string
	for _, v := range vals {
		if types != nil && !slices.ContainsFunc(types, func(t string) bool { return hasType(v, t) }) {
			continue
		}
		lit := quoteGBNF(string(appendJSON(nil, v)))
		if !slices.Contains(alts, lit) {
			alts = append(alts, lit)
		}
	}
	if len(alts) == 0 {
		return "", &SchemaError{path, "no value here has the schema's type"}
	}
	return alt(alts...), nil
}

func hasType(v *jsonValue, t string) bool {
	switch t {
	case "object":
		return v.kind == jsonObject
	case "array":
		return v.kind == jsonArray
	case "string":
		return v.kind == jsonString
	case "number":
		return v.kind == jsonNumber
	case "integer":
		if v.kind != jsonNumber {
			return false
		}
		d, err := parseDecimal(string(v.num))
		return err == nil && d.fp == ""
	case "boolean":
		return v.kind == jsonBool
	}
	return v.kind == jsonNull
}

// count reads a non-negative integer keyword; absent gives def. Values
// above maxRepeat are capped there.
func count(s *jsonValue, key, path string, def int) (int, error) {
	v := s.get(key)
	if v == nil {
		return def, nil
	}
	if v.kind == jsonNumber {
		if d, err := parseDecimal(string(v.num)); err == nil && d.fp == "" && !d.neg {
			if len(d.ip) > 6 {
				return maxRepeat, nil
			}
			var n int
			fmt.Sscan(d.ip, &n)
			return min(n, maxRepeat), nil
		}
	}
	return 0, &SchemaError{pointer(path, key), "want a non-negative integer"}
}

// object spells an object: the declared properties in order, the required
// ones always, then any additional ones.
func (c *converter) object(s *jsonValue, path, name string) (string, error) {
	defer c.enter()()
	props := s.get("properties")
	if props != nil && props.kind != jsonObject {
		return "", &SchemaError{path + "/properties", "want an object"}
	}
	required := map[string]bool{}
	if r := s.get("required"); r != nil {
		if r.kind != jsonArray {
			return "", &SchemaError{path + "/required", "want an array of property names"}
		}
		for i, it := range r.items {
			p := fmt.Sprintf("%s/required/%d", path, i)
			if it.kind != jsonString {
				return "", &SchemaError{p, "want a property name"}
			}
			if props == nil || props.get(it.str) == nil {
				return "", &SchemaError{p, fmt.Sprintf("required property %q is not declared in properties", it.str)}
			}
			required[it.str] = true
		}
	}
	var kvs []string
	var req []bool
	var declared []string
	if props != nil {
		for _, m := range props.members {
			declared = append(declared, m.key)
			p := pointer(path+"/properties", m.key)
			if m.val.kind == jsonBool && !m.val.boolean {
				if required[m.key] {
					return "", &SchemaError{p, "a required property whose schema is false"}
				}
				continue
			}
			x, err := c.value(m.val, p, name+"-"+m.key)
			if err != nil {
				return "", err
			}
			if strings.Contains(x, " ") {
				x = c.rule(name+"-"+m.key, x)
			}
			kvs = append(kvs, seq(quoteGBNF(string(appendJSONString(nil, m.key))), `":" " "?`, x))
			req = append(req, required[m.key])
		}
	}
	// Additional properties: by default none where properties are
	// declared, any where nothing is said at all.
	extra := ""
	switch ap := s.get("additionalProperties"); {
	case ap == nil && props == nil, ap != nil && ap.kind == jsonBool && ap.boolean:
		extra = c.extraMember(declared, c.sharedRule("value"), name)
	case ap == nil, ap.kind == jsonBool:
	default:
		x, err := c.value(ap, path+"/additionalProperties", name+"-extra")
		if err != nil {
			return "", err
		}
		extra = c.extraMember(declared, x, name)
	}
	comma := `"," " "?`
	// tail(i): members i.. after one has been written; head(i): before.
	tail := func(i int) string {
		var parts []string
		for j := i; j < len(kvs); j++ {
			if req[j] {
				parts = append(parts, seq(comma, kvs[j]))
			} else {
				parts = append(parts, "("+seq(comma, kvs[j])+")?")
			}
		}
		if extra != "" {
			parts = append(parts, "("+seq(comma, extra)+")*")
		}
		return seq(parts...)
	}
	// head(i): members i.. before any has been written. Up to the first
	// required member each optional one may be the first; each such
	// choice is a rule, so the text grows linearly.
	var head func(i int) string
	head = func(i int) string {
		if i == len(kvs) {
			if extra == "" {
				return ""
			}
			return "(" + seq(extra, "("+seq(comma, extra)+")*") + ")?"
		}
		this := seq(kvs[i], tail(i+1))
		if req[i] {
			return this
		}
		rest := head(i + 1)
		if rest == "" {
			return "(" + this + ")?"
		}
		return c.rule(name+"-rest", alt(this, rest))
	}
	return seq(`"{"`, head(0), `"}"`), nil
}

// extraMember spells a member whose key is none of declared, with value x.
// Its key has no escapes, so that "no declared name" is a matter of
// characters: a trie of the declared names, left at the first character
// that leaves every name. The key has no length bound, like a string
// without maxLength: a bound would make every length its own matcher
// state, and each step a mask that the matcher has not cached.
func (c *converter) extraMember(declared []string, x, name string) string {
	plain := `[^"\\\x00-\x1F\x7F]`
	type node struct {
		next map[rune]*node
		keys []rune // children in first-seen order
		end  bool
	}
	root := &node{next: map[rune]*node{}}
	for _, k := range declared {
		n := root
		ok := true
		for _, r := range k {
			if r == '"' || r == '\\' || r < 0x20 || r == 0x7F {
				ok = false // never spelled by a key without escapes
				break
			}
			if n.next[r] == nil {
				n.next[r] = &node{next: map[rune]*node{}}
				n.keys = append(n.keys, r)
			}
			n = n.next[r]
		}
		if ok {
			n.end = true
		}
	}
	var spell func(n *node) string
	spell = func(n *node) string {
		if len(n.keys) == 0 {
			if n.end {
				return plain + "+"
			}
			return plain + "*"
		}
		var b strings.Builder
		b.WriteString(`[^"\\\x00-\x1F\x7F`)
		for _, r := range n.keys {
			writeChar(&b, r, ']')
		}
		b.WriteString("]")
		alts := []string{b.String() + " " + plain + "*"}
		for _, r := range n.keys {
			alts = append(alts, seq(quoteGBNF(string(r)), group(spell(n.next[r]))))
		}
		if !n.end {
			alts = append(alts, `""`)
		}
		return c.rule(name+"-key", alt(alts...))
	}
	key := spell(root)
	return c.rule(name+"-extra-kv", seq(`"\""`, key, `"\""`, `":" " "?`, x))
}

// array spells an array: the prefix items in order, then items for the
// rest, between minItems and maxItems.
func (c *converter) array(s *jsonValue, path, name string) (string, error) {
	defer c.enter()()
	var prefix []*jsonValue
	prefixPath := path + "/prefixItems"
	rest := s.get("items")
	restPath := path + "/items"
	if p := s.get("prefixItems"); p != nil {
		if p.kind != jsonArray {
			return "", &SchemaError{prefixPath, "want an array of schemas"}
		}
		prefix = p.items
	} else if rest != nil && rest.kind == jsonArray { // draft 4-7 tuples
		prefix, prefixPath = rest.items, restPath
		rest, restPath = s.get("additionalItems"), path+"/additionalItems"
	}
	minItems, err := count(s, "minItems", path, 0)
	if err != nil {
		return "", err
	}
	maxItems, err := count(s, "maxItems", path, -1)
	if err != nil {
		return "", err
	}
	restOK := rest == nil || !(rest.kind == jsonBool && !rest.boolean)
	if !restOK && (maxItems < 0 || maxItems > len(prefix)) {
		maxItems = len(prefix)
	}
	if maxItems >= 0 && minItems > maxItems {
		return "", &SchemaError{path, fmt.Sprintf("minItems %d is more than the %d items allowed", minItems, maxItems)}
	}
	elems := make([]string, len(prefix))
	for i, p := range prefix {
		x, err := c.value(p, fmt.Sprintf("%s/%d", prefixPath, i), fmt.Sprintf("%s-%d", name, i))
		if err != nil {
			return "", err
		}
		elems[i] = x
	}
	item := ""
	if restOK && (maxItems < 0 || maxItems > len(prefix)) {
		if rest == nil {
			item = c.sharedRule("value")
		} else {
			x, err := c.value(rest, restPath, name+"-item")
			if err != nil {
				return "", err
			}
			item = x
		}
		if strings.Contains(item, " ") {
			item = c.rule(name+"-item", item)
		}
	}
	comma := `"," " "?`
	// content(i): the items from index i on, i already written.
	var content func(i int) string
	content = func(i int) string {
		if maxItems >= 0 && i >= maxItems {
			return ""
		}
		if i < len(prefix) {
			this := seq(elems[i], content(i+1))
			if i > 0 {
				this = seq(comma, this)
			}
			if i >= minItems {
				return "(" + this + ")?"
			}
			return this
		}
		if item == "" {
			return ""
		}
		need := max(minItems-i, 0)
		more := -1
		if maxItems >= 0 {
			more = maxItems - i
		}
		if i == 0 {
			// The first item has no comma before it.
			this := seq(item, repeat("("+seq(comma, item)+")", max(need-1, 0), dec(more)))
			if need == 0 {
				return "(" + this + ")?"
			}
			return this
		}
		return repeat("("+seq(comma, item)+")", need, more)
	}
	return seq(`"["`, content(0), `"]"`), nil
}

func dec(n int) int {
	if n < 0 {
		return n
	}
	return n - 1
}

// repeat spells x{a,b} (b < 0: unbounded), with the short forms.
func repeat(x string, a, b int) string {
	switch {
	case b == 0:
		return ""
	case a == 0 && b < 0:
		return x + "*"
	case a == 1 && b < 0:
		return x + "+"
	case a == 0 && b == 1:
		return x + "?"
	case b < 0:
		return fmt.Sprintf("%s{%d,}", x, a)
	case a == b:
		return fmt.Sprintf("%s{%d}", x, a)
	}
	return fmt.Sprintf("%s{%d,%d}", x, a, b)
}

// str spells a string.
func (c *converter) str(s *jsonValue, path string) (string, error) {
	minLen, err := count(s, "minLength", path, 0)
	if err != nil {
		return "", err
	}
	maxLen, err := count(s, "maxLength", path, -1)
	if err != nil {
		return "", err
	}
	if maxLen >= 0 && minLen > maxLen {
		return "", &SchemaError{path, fmt.Sprintf("minLength %d is above maxLength %d", minLen, maxLen)}
	}
	if p := s.get("pattern"); p != nil {
		if p.kind != jsonString {
			return "", &SchemaError{path + "/pattern", "want a string"}
		}
		if s.get("minLength") != nil || s.get("maxLength") != nil {
			return "", &SchemaError{path + "/pattern", "pattern together with minLength or maxLength is not supported"}
		}
		x, err := c.pattern(p.str)
		if err != nil {
			return "", &SchemaError{path + "/pattern", err.Error()}
		}
		return seq(`"\""`, x, `"\""`), nil
	}
	if f := s.get("format"); f != nil && f.kind == jsonString {
		if x, ok := c.format(f.str); ok {
			if s.get("minLength") != nil || s.get("maxLength") != nil {
				return "", &SchemaError{path + "/format", "format " + f.str + " together with minLength or maxLength is not supported"}
			}
			return seq(`"\""`, x, `"\""`), nil
		}
	}
	return seq(`"\""`, repeat(c.sharedRule("char"), minLen, maxLen), `"\""`), nil
}

// format spells the string formats the converter knows.
func (c *converter) format(f string) (string, bool) {
	date := `[0-9]{4} "-" ("0" [1-9] | "1" [0-2]) "-" ("0" [1-9] | [12] [0-9] | "3" [01])`
	time := `([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ("." [0-9]{1,6})? ("Z" | [+\x2D] ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9])`
	switch f {
	case "date":
		return c.rule("date", date), true
	case "time":
		return c.rule("time", time), true
	case "date-time":
		return c.rule("date-time", date+` "T" `+time), true
	case "uuid":
		h := "[0-9a-f]"
		return c.rule("uuid", fmt.Sprintf(`%s{8} "-" %s{4} "-" %s{4} "-" %s{4} "-" %s{12}`, h, h, h, h, h)), true
	}
	return "", false
}

// number spells an integer or a number within the schema's bounds.
func (c *converter) number(s *jsonValue, path string, integer bool) (string, error) {
	var lo, hi *bound
	tighter := func(cur *bound, b bound, lower bool) *bound {
		if cur == nil {
			return &b
		}
		cmp := cmpDecimal(b.v, cur.v)
		if lower && cmp > 0 || !lower && cmp < 0 || cmp == 0 && b.strict {
			return &b
		}
		return cur
	}
	read := func(key string) (*decimal, bool, error) {
		v := s.get(key)
		if v == nil {
			return nil, false, nil
		}
		switch v.kind {
		case jsonNumber:
			d, err := parseDecimal(string(v.num))
			if err != nil {
				return nil, false, &SchemaError{pointer(path, key), "bound out of range: " + err.Error()}
			}
			return &d, false, nil
		case jsonBool: // draft 4: exclusiveMinimum: true makes minimum strict
			if key == "exclusiveMinimum" || key == "exclusiveMaximum" {
				return nil, v.boolean, nil
			}
		}
		return nil, false, &SchemaError{pointer(path, key), "want a number"}
	}
	minV, _, err := read("minimum")
	if err != nil {
		return "", err
	}
	maxV, _, err := read("maximum")
	if err != nil {
		return "", err
	}
	exMin, minStrict, err := read("exclusiveMinimum")
	if err != nil {
		return "", err
	}
	exMax, maxStrict, err := read("exclusiveMaximum")
	if err != nil {
		return "", err
	}
	if minV != nil {
		lo = tighter(lo, bound{*minV, minStrict}, true)
	}
	if exMin != nil {
		lo = tighter(lo, bound{*exMin, true}, true)
	}
	if maxV != nil {
		hi = tighter(hi, bound{*maxV, maxStrict}, false)
	}
	if exMax != nil {
		hi = tighter(hi, bound{*exMax, true}, false)
	}
	if lo == nil && hi == nil {
		if integer {
			return c.sharedRule("integer"), nil
		}
		return c.sharedRule("number"), nil
	}
	var x string
	if integer {
		x, err = integerExpr(lo, hi)
	} else {
		x, err = numberExpr(lo, hi)
	}
	if err != nil {
		return "", &SchemaError{path, err.Error()}
	}
	return x, nil
}

// sharedRule returns the name of one of the rules every schema may use,
// adding it on first use.
func (c *converter) sharedRule(role string) string {
	if name, ok := c.shared[role]; ok {
		return name
	}
	slot := c.reserve(role)
	name := c.rules[slot].name
	c.shared[role] = name
	var body string
	switch role {
	case "char":
		// Any character JSON allows unescaped (DEL too is kept out), or an
		// escape; \u never names a surrogate, so that each escape is one
		// character.
		body = `[^"\\\x00-\x1F\x7F] | "\\" (["\\/bfnrt] | "u" ([0-9a-cA-CeEfF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2}))`
	case "string":
		body = `"\"" ` + c.sharedRule("char") + `* "\""`
	case "integer":
		body, _ = integerExpr(nil, nil)
	case "number":
		body, _ = numberExpr(nil, nil)
	case "value":
		body = alt(c.sharedRule("object"), c.sharedRule("array"), c.sharedRule("string"), c.sharedRule("number"), `"true"`, `"false"`, `"null"`)
	case "object":
		v, str := c.sharedRule("value"), c.sharedRule("string")
		member := seq(str, `":" " "?`, v)
		body = `"{" (` + member + ` ("," " "? ` + member + `)*)? "}"`
	case "array":
		v := c.sharedRule("value")
		body = `"[" (` + v + ` ("," " "? ` + v + `)*)? "]"`
	}
	c.set(slot, body)
	return name
}
