package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/internal/kubeplugin"
)

func TestParseArgsTakesASelectorInsteadOfAPod(t *testing.T) {
	tests := []struct {
		args []string
		want Options
	}{
		{[]string{"-l", "app=web", "--", "ss", "-s"}, Options{Selector: "app=web", Command: []string{"ss", "-s"}}},
		{[]string{"-l", "app=web,tier=db", "-A", "-j", "4", "-o", "json", "-c", "app", "--", "ps"},
			Options{Selector: "app=web,tier=db", AllNamespaces: true, Jobs: 4, Output: "json", Container: "app", Command: []string{"ps"}}},
		{[]string{"-n", "shop", "--selector=app=web", "--no-prefix", "--", "ps"}, Options{Namespace: "shop", Selector: "app=web", NoPrefix: true, Command: []string{"ps"}}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := ParseArgs(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.AgentNamespace = kubeplugin.AgentNamespace
			if !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestParseArgsRejectsWhatDoesNotGoWithASelector(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-l", "app=web", "web", "--", "ps"}, `"web" and -l app=web: -l picks the pods; name no pod with it`},
		{[]string{"-l", "app=web", "tcpdump", "-i", "any"}, `"tcpdump -i any" after the flags: the command must follow "--"; run kubectl nsj -l app=web -- tcpdump -i any`},
		{[]string{"-l", "app=web", "-A", "-n", "shop", "--", "ps"}, "-A and -n shop: -A takes the pods of every namespace"},
		{[]string{"-l", "app=web"}, "-l runs a command in every matching pod: kubectl nsj -l app=web -- COMMAND"},
		{[]string{"-l", "app=web", "-it", "--", "sh"}, "-i and -t go with one pod"},
		{[]string{"-l", "app=web", "-o", "yaml", "--", "ps"}, `-o "yaml": kubectl nsj -l prints text (the default) or json`},
		{[]string{"-l", "app=web", "-o", "json", "--no-prefix", "--", "ps"}, "--no-prefix is for text output"},
		{[]string{"-l", "app=web", "-j", "-2", "--", "ps"}, "-j -2: run at least one"},
		{[]string{"-l", "replicas>1", "--", "ps"}, `-l "replicas>1": not a label selector: "replicas>1": < and > compare numbers in node affinity only`},
		{[]string{"-l", "app web", "--", "ps"}, `-l "app web": `},
		{[]string{"-l", "", "--", "ps"}, `-l "": no label`},
		{[]string{"-l", "=x", "--", "ps"}, `-l "=x": `},
		{[]string{"-A", "web", "--", "ps"}, "-A, -j, -o and --no-prefix go with -l SELECTOR"},
		{[]string{"-o", "json", "web", "--", "ps"}, "go with -l SELECTOR"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := ParseArgs(tt.args)
			if err == nil || !kubeplugin.IsPluginError(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}
