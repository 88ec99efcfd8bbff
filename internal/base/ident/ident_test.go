package ident

import "testing"

func TestValidTakesIDsAndNamesOnly(t *testing.T) {
	for s, want := range map[string]bool{
		"web": true, "3f2a": true, "k8s.io": true, "my_app-1.2": true, "A": true,
		"": false, "-x": false, ".hidden": false, "_x": false, "a/b": false, "../etc": false,
		"a b": false, "a%2fb": false, "a?b": false, "a#b": false, "a,b": false, "a=b": false,
		"é": false, "aé": false, "a\x00": false, "a\n": false,
	} {
		if got := Valid(s); got != want {
			t.Errorf("Valid(%q) = %v, want %v", s, got, want)
		}
	}
}
