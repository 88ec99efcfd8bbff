package main

import "testing"

func TestCpArgsNameTheContainerSide(t *testing.T) {
	for in, want := range map[string]cpArg{
		"web:/etc":                {task: "web", path: "/etc"},
		"default/web:/etc":        {task: "default/web", path: "/etc"},
		"pod/web/app:/tmp":        {task: "pod/web/app", path: "/tmp"},
		"k8s://shop/web/app:/tmp": {task: "k8s://shop/web/app", path: "/tmp"},
		"-":                       {path: "-"},
		"./a:b":                   {path: "./a:b"},
		"/tmp/a:b":                {path: "/tmp/a:b"},
		"plain":                   {path: "plain"},
	} {
		if got := parseCpArg(in); got != want {
			t.Errorf("parseCpArg(%q) = %+v, want %+v", in, got, want)
		}
	}
}
