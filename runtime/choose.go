package runtime

import (
	"fmt"

	"github.com/sirupsen/logrus"
)

// choose picks what cs.word names. An exact ID or a name wins if it is the
// only one; two or more of them (an ID here and a name there, two names)
// are an error listing each with how to pick it: nsj never picks one
// silently. Without either, a unique ID prefix is taken, one in the first
// namespace searched before those elsewhere. It returns nil if nothing
// matched.
func (cs *candidates) choose() (*candidate, error) {
	named := distinct(append(append([]candidate{}, cs.ids...), cs.names...))
	switch {
	case len(named) == 1:
		return &named[0], nil
	case len(named) > 1 && len(cs.names) == 0:
		return nil, newError(ErrAmbiguous, "%q matches containers in several namespaces: %s; pick one with -n NAMESPACE or write NAMESPACE/ID", cs.word, joinNames(matchNames(named)))
	case len(named) > 1:
		return nil, cs.ambiguous(named)
	}
	home := cs.searched[0]
	var inHome, elsewhere []candidate
	for _, p := range cs.prefixes {
		if p.ns == home {
			inHome = append(inHome, p)
		} else {
			elsewhere = append(elsewhere, p)
		}
	}
	switch {
	case len(inHome) == 1:
		return &inHome[0], nil
	case len(inHome) > 1:
		ids := make([]string, len(inHome))
		for i, m := range inHome {
			ids[i] = m.ctr.ID
		}
		return nil, newError(ErrAmbiguous, "task prefix %q is ambiguous in namespace %q: %s; give more of the ID", cs.word, home, joinNames(ids))
	case len(elsewhere) == 1:
		logrus.Debugf("%q is not in namespace %q; found it in namespace %q", cs.word, home, elsewhere[0].ns)
		return &elsewhere[0], nil
	case len(elsewhere) > 1:
		return nil, newError(ErrAmbiguous, "%q matches containers in several namespaces: %s; pick one with -n NAMESPACE or write NAMESPACE/ID", cs.word, joinNames(matchNames(elsewhere)))
	}
	return nil, nil
}

// distinct drops repeated containers (an ID that is also its own name).
func distinct(cs []candidate) []candidate {
	seen := map[string]bool{}
	out := cs[:0]
	for _, c := range cs {
		if !seen[c.match.name()] {
			seen[c.match.name()] = true
			out = append(out, c)
		}
	}
	return out
}

func matchNames(cs []candidate) []string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.match.name()
	}
	return names
}

// ambiguous is the error for a word that names several containers: each
// candidate, where it is, and the words that pick it.
func (cs *candidates) ambiguous(named []candidate) error {
	parts := make([]string, len(named))
	for i, c := range named {
		parts[i] = fmt.Sprintf("%s (pick it with: nsj %s)", c.describe(), cs.pickWith(c, named))
	}
	return newError(ErrAmbiguous, "%q names %d containers: %s", cs.word, len(named), joinNames(parts))
}

// describe says what a candidate is: `the container with ID "web" in
// namespace "default"`, `Docker's container "web" (namespace "moby", ID
// 4567d6d29d43)`.
func (c candidate) describe() string {
	if c.via == viaID {
		return fmt.Sprintf("container ID %q in namespace %q", c.ctr.ID, c.ns)
	}
	return fmt.Sprintf("%s %q in namespace %q (ID %s)", c.via, c.name, c.ns, ShortID(c.ctr.ID))
}

// pickWith is what to type instead of the word to get c: -n NAMESPACE WORD
// where that is unique (with -n an exact ID wins over names), else
// NAMESPACE/ID, which never means a name.
func (cs *candidates) pickWith(c candidate, named []candidate) string {
	sameNS := 0
	idThere := false
	for _, o := range named {
		if o.ns == c.ns {
			sameNS++
			idThere = idThere || o.via == viaID
		}
	}
	if c.via == viaID || (sameNS == 1 && !idThere) {
		return fmt.Sprintf("-n %s %s", c.ns, cs.word)
	}
	return c.ns + "/" + c.ctr.ID
}
