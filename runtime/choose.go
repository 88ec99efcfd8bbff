package runtime

import (
	"fmt"
	"slices"

	"github.com/sirupsen/logrus"
)

// choose picks what cs.word names among the candidates of every containerd
// searched; this is nsj's one rule. An exact ID or a name wins if it is
// the only one; two or more of them (an ID here and a name there, an ID on
// two containerds, two names) are an error listing each: nsj never picks
// one silently. Without either, a unique ID prefix is taken, one in the
// first namespace searched before those elsewhere. It returns nil if
// nothing matched.
func (cs *candidates) choose() (*candidate, error) {
	named := distinct(append(append([]candidate{}, cs.ids...), cs.names...))
	switch {
	case len(named) == 1:
		return &named[0], nil
	case len(named) > 1:
		return nil, cs.ambiguous(named)
	}
	var inHome, elsewhere []candidate
	for _, p := range cs.prefixes {
		if p.ns == cs.home {
			inHome = append(inHome, p)
		} else {
			elsewhere = append(elsewhere, p)
		}
	}
	for _, tier := range [][]candidate{inHome, elsewhere} {
		switch len(tier) {
		case 0:
			continue
		case 1:
			logrus.Debugf("%q found in namespace %q of containerd at %s", cs.word, tier[0].ns, tier[0].client.address)
			return &tier[0], nil
		}
		return nil, cs.ambiguous(tier)
	}
	return nil, nil
}

// distinct drops repeated containers (an ID that is also its own name).
func distinct(cs []candidate) []candidate {
	seen := map[string]bool{}
	out := cs[:0]
	for _, c := range cs {
		if !seen[c.where()] {
			seen[c.where()] = true
			out = append(out, c)
		}
	}
	return out
}

// ambiguous is the error for a word that matches all of ms, which are of
// one kind (IDs and names, or prefixes). Where a name is among them, each
// is listed with the words that pick it; else the IDs are listed, with
// the flag that tells them apart: -a SOCKET across containerds, -n across
// namespaces, more of the ID within one namespace.
func (cs *candidates) ambiguous(ms []candidate) error {
	switch {
	case slices.ContainsFunc(ms, candidate.isName):
		parts := make([]string, len(ms))
		for i, c := range ms {
			parts[i] = fmt.Sprintf("%s (pick it with: nsj %s)", c.describe(), cs.pickWith(c, ms))
		}
		return newError(ErrAmbiguous, "%q names %d containers: %s", cs.word, len(ms), joinNames(parts))
	case !onOne(ms, func(c candidate) string { return c.client.address }):
		return newError(ErrAmbiguous, "%q matches containers on several containerds: %s; pick one with -a SOCKET (and -n NAMESPACE)", cs.word, joinNames(mapTo(ms, candidate.where)))
	case !onOne(ms, func(c candidate) string { return c.ns }):
		return newError(ErrAmbiguous, "%q matches containers in several namespaces: %s; pick one with -n NAMESPACE or write NAMESPACE/ID", cs.word, joinNames(mapTo(ms, func(c candidate) string { return c.match.name() })))
	}
	return newError(ErrAmbiguous, "task prefix %q is ambiguous in namespace %q: %s; give more of the ID", cs.word, ms[0].ns, joinNames(mapTo(ms, func(c candidate) string { return c.ctr.ID })))
}

// onOne says whether key is the same for every candidate of ms.
func onOne(ms []candidate, key func(candidate) string) bool {
	for _, m := range ms {
		if key(m) != key(ms[0]) {
			return false
		}
	}
	return true
}

func mapTo(ms []candidate, f func(candidate) string) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = f(m)
	}
	return out
}

// describe says what a candidate is: `container ID "web" in namespace
// "default"`, `Docker name "web" in namespace "moby" (ID 4567d6d29d43)`.
func (c candidate) describe() string {
	if c.via == viaID {
		return fmt.Sprintf("container ID %q in namespace %q", c.ctr.ID, c.ns)
	}
	return fmt.Sprintf("%s %q in namespace %q (ID %s)", c.via, c.name, c.ns, ShortID(c.ctr.ID))
}

// pickWith is what to type instead of the word to get c: -n NAMESPACE WORD
// where that is unique (with -n an exact ID wins over names), else
// NAMESPACE/ID, which never means a name; led by -a SOCKET when the
// candidates are on several containerds.
func (cs *candidates) pickWith(c candidate, named []candidate) string {
	sameNS := 0
	idThere := false
	for _, o := range named {
		if o.ns == c.ns && o.client == c.client {
			sameNS++
			idThere = idThere || o.via == viaID
		}
	}
	pick := c.ns + "/" + c.ctr.ID
	if c.via == viaID || (sameNS == 1 && !idThere) {
		pick = fmt.Sprintf("-n %s %s", c.ns, cs.word)
	}
	if !onOne(named, func(o candidate) string { return o.client.address }) {
		pick = fmt.Sprintf("-a %s %s", c.client.address, pick)
	}
	return pick
}

// choosePod is the one rule for a pod: the pods of that name that the
// containerds of the node hold (found, one entry per containerd that
// answered) must all be on one containerd, whose pods it returns; on two
// or more it is an error listing them, as for a task ID on two
// containerds. None is an error of kind ErrNotFound that says where nsj
// looked; ns is the containerd namespace asked.
func choosePod(ref PodRef, ns string, found []podsOn) ([]Pod, error) {
	var on []podsOn
	var searched []string
	for _, f := range found {
		searched = append(searched, f.client.address)
		if len(f.pods) > 0 {
			on = append(on, f)
		}
	}
	switch len(on) {
	case 1:
		return on[0].pods, nil
	case 0:
		return nil, newError(ErrNotFound, "no pod %s in containerd namespace %q (containerd at %s); see nsj --list --pods", ref, ns, joinNames(searched))
	}
	var sockets []string
	for _, f := range on {
		sockets = append(sockets, f.client.address)
	}
	return nil, newError(ErrAmbiguous, "pod %s is on several containerds: %s; pick one with -a SOCKET", ref, joinNames(sockets))
}
