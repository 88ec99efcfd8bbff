package selector

import (
	"errors"
	"strings"
	"testing"
)

func TestParseAndMatch(t *testing.T) {
	web := map[string]string{"app": "web", "tier": "fe"}
	db := map[string]string{"app": "db", "canary": ""}
	none := map[string]string{}
	tests := []struct {
		sel               string
		canon             string // what String writes
		web, db, unlabled bool
	}{
		{"app=web", "app=web", true, false, false},
		{"app==web", "app=web", true, false, false},
		{"app!=web", "app!=web", false, true, true},
		{"app=web,tier=fe", "app=web,tier=fe", true, false, false},
		{" app = web , tier = fe ", "app=web,tier=fe", true, false, false},
		{"app=web,tier=be", "app=web,tier=be", false, false, false},
		{"app", "app", true, true, false},
		{"!app", "!app", false, false, true},
		{"canary", "canary", false, true, false},
		{"canary=", "canary=", false, true, false},
		{"app in (web,db)", "app in (web,db)", true, true, false},
		{"app in ( web , db ),!canary", "app in (web,db),!canary", true, false, false},
		{"app notin (web)", "app notin (web)", false, true, true},
		{"tier!=fe,app", "tier!=fe,app", false, true, false},
		{"org.example/team=a.b-c_d", "org.example/team=a.b-c_d", false, false, false},
		{"src=https://example.org/x", "src=https://example.org/x", false, false, false},
	}
	for _, tt := range tests {
		s, err := Parse(tt.sel)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.sel, err)
			continue
		}
		if got := s.String(); got != tt.canon {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.sel, got, tt.canon)
		}
		for _, c := range []struct {
			labels map[string]string
			want   bool
		}{{web, tt.web}, {db, tt.db}, {none, tt.unlabled}} {
			if got := s.Matches(c.labels); got != c.want {
				t.Errorf("%q matches %v: %v, want %v", tt.sel, c.labels, got, c.want)
			}
		}
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct{ sel, want string }{
		{"", "a term has no label key"},
		{"=web", "a term has no label key"},
		{"app=web,", "a term has no label key"},
		{"!", "name the label after '!'"},
		{"app>1", "< and > compare numbers in node affinity only"},
		{"app<1", "< and > compare numbers"},
		{"app web", `"web" after label "app"`},
		{"app in web", "in takes its values in parentheses: app in (V1,V2)"},
		{"app in (web", `the values of "app" end with ')'`},
		{"app=web tier=fe", "join terms with a comma"},
		{"app=(web)", "join terms with a comma"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.sel)
		if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%q) = %v, want one line saying %q", tt.sel, err, tt.want)
		}
	}
}

// String writes what Parse reads back the same.
func TestStringRoundTrips(t *testing.T) {
	for _, in := range []string{"a=b,c!=d,e,!f,g in (h,i),j notin (k)", "a="} {
		s, err := Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(s.String())
		if err != nil || again.String() != s.String() {
			t.Errorf("%q: %q read back as %q, %v", in, s, again, err)
		}
	}
}
