package selector

import (
	"fmt"
	"strings"
)

// parser reads a selector from src, left to right.
type parser struct {
	src string
	pos int
}

// special are the characters that end a key or a value.
const special = ",=!()<> \t"

func (p *parser) done() bool   { return p.pos == len(p.src) }
func (p *parser) rest() string { return p.src[p.pos:] }

// space skips blanks.
func (p *parser) space() {
	for !p.done() && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

// take consumes tok if it comes next (after blanks).
func (p *parser) take(tok string) bool {
	p.space()
	if strings.HasPrefix(p.rest(), tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

// word reads a key or a value: the characters up to the next special one.
func (p *parser) word() string {
	p.space()
	start := p.pos
	for !p.done() && !strings.ContainsRune(special, rune(p.src[p.pos])) {
		p.pos++
	}
	return p.src[start:p.pos]
}

// term reads one term: !KEY, KEY, KEY=VALUE, KEY==VALUE, KEY!=VALUE,
// KEY in (...), KEY notin (...).
func (p *parser) term() (Requirement, error) {
	if p.take("!") {
		key := p.word()
		if key == "" {
			return Requirement{}, fmt.Errorf("%q: name the label after '!'", p.src)
		}
		return Requirement{Key: key, Op: DoesNotExist}, nil
	}
	key := p.word()
	if key == "" {
		return Requirement{}, fmt.Errorf("%q: a term has no label key", p.src)
	}
	r := Requirement{Key: key}
	switch {
	case p.take("!="):
		r.Op = NotEquals
	case p.take("=="), p.take("="):
		r.Op = Equals
	case p.take("<"), p.take(">"):
		return r, fmt.Errorf("%q: < and > compare numbers in node affinity only; label selectors take =, !=, in and notin", p.src)
	default:
		return p.setTerm(r)
	}
	r.Values = []string{p.word()}
	return r, nil
}

// setTerm reads what follows a key: nothing (Exists), or in/notin and a
// parenthesised list of values.
func (p *parser) setTerm(r Requirement) (Requirement, error) {
	p.space()
	if p.done() || strings.HasPrefix(p.rest(), ",") {
		r.Op = Exists
		return r, nil
	}
	op := p.word()
	switch op {
	case "in":
		r.Op = In
	case "notin":
		r.Op = NotIn
	default:
		return r, fmt.Errorf("%q: %q after label %q", p.src, op+p.rest(), r.Key)
	}
	if !p.take("(") {
		return r, fmt.Errorf("%q: %s takes its values in parentheses: %s %s (V1,V2)", p.src, op, r.Key, op)
	}
	for {
		r.Values = append(r.Values, p.word())
		if p.take(")") {
			return r, nil
		}
		if !p.take(",") {
			return r, fmt.Errorf("%q: the values of %q end with ')'", p.src, r.Key)
		}
	}
}
