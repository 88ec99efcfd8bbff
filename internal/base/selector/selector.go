// Package selector reads label selectors as kubectl -l writes them and
// matches sets of labels against them: terms joined by commas, each of
// which must match,
//
//	KEY=VALUE, KEY==VALUE  the label is there, with that value
//	KEY!=VALUE             the label is not there, or has another value
//	KEY                    the label is there
//	!KEY                   the label is not there
//	KEY in (V1,V2)         the label is there, with one of the values
//	KEY notin (V1,V2)      the label is not there, or has none of them
//
// It is the grammar of Kubernetes' label selectors, without client-go:
// nsj links none of it. Keys and values are taken as written (containerd
// labels need not be Kubernetes names); the comparisons < and >, which
// Kubernetes allows only in node affinity, are refused.
package selector

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Op is how a Requirement compares a label.
type Op int

// The operators.
const (
	Equals Op = iota
	NotEquals
	Exists
	DoesNotExist
	In
	NotIn
)

// Requirement is one term of a selector.
type Requirement struct {
	Key    string
	Op     Op
	Values []string // one for Equals and NotEquals, one or more for In and NotIn
}

// Selector is the terms of a selector, all of which must match; the empty
// Selector matches every set of labels.
type Selector []Requirement

// ErrSyntax is the kind of every error of Parse.
var ErrSyntax = errors.New("not a label selector")

// Parse reads a selector such as "app=web,tier!=db,!canary".
func Parse(s string) (Selector, error) {
	p := &parser{src: s}
	var sel Selector
	for {
		r, err := p.term()
		if err != nil {
			return nil, fmt.Errorf("%w: %s", ErrSyntax, err)
		}
		sel = append(sel, r)
		p.space()
		if p.done() {
			return sel, nil
		}
		if !p.take(",") {
			return nil, fmt.Errorf("%w: %q after %q: join terms with a comma", ErrSyntax, p.rest(), r)
		}
	}
}

// Matches reports whether labels satisfy every term of s.
func (s Selector) Matches(labels map[string]string) bool {
	for _, r := range s {
		if !r.Matches(labels) {
			return false
		}
	}
	return true
}

// Matches reports whether labels satisfy r.
func (r Requirement) Matches(labels map[string]string) bool {
	v, ok := labels[r.Key]
	switch r.Op {
	case Exists:
		return ok
	case DoesNotExist:
		return !ok
	case Equals, In:
		return ok && slices.Contains(r.Values, v)
	}
	return !ok || !slices.Contains(r.Values, v) // NotEquals, NotIn
}

// String writes r as Parse reads it.
func (r Requirement) String() string {
	switch r.Op {
	case Exists:
		return r.Key
	case DoesNotExist:
		return "!" + r.Key
	case Equals:
		return r.Key + "=" + r.Values[0]
	case NotEquals:
		return r.Key + "!=" + r.Values[0]
	case In:
		return r.Key + " in (" + strings.Join(r.Values, ",") + ")"
	}
	return r.Key + " notin (" + strings.Join(r.Values, ",") + ")"
}

// String writes s as Parse reads it: its terms joined by commas.
func (s Selector) String() string {
	parts := make([]string, len(s))
	for i, r := range s {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}
