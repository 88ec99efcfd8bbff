package plan

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/nsj-dev/nsj/nsjoin"
	"github.com/nsj-dev/nsj/runtime"
	"github.com/sirupsen/logrus"
)

// A pod as a target: its container, or with --sandbox (or when the
// container is not running) its sandbox, looked up by runtime.FindPod.

// podTarget finds the container (or sandbox) a pod target names and says
// which of its namespaces to join.
func podTarget(a *Ask, sel nsjoin.Selection) (*target, error) {
	ctx, c, done, err := a.Connect(a.Containerd)
	if err != nil {
		return nil, err
	}
	pt, err := c.FindPod(ctx, *a.Pod, a.Sandbox)
	if err != nil {
		done()
		return nil, err
	}
	tk := pt.Target
	t := containerTarget(ctx, c, done, podTargetName(pt), tk)
	logrus.Debugf("%s: task %s/%s, pid %d, status %s, containerd at %s", t.name, tk.Namespace, tk.ID, tk.PID, tk.Status, tk.Socket)
	if t.paused {
		logrus.Warnf("%s is paused: joining anyway, but its processes stay frozen until it is resumed", t.name)
	}
	switch {
	case pt.Sandbox():
		t.sel, t.files = sandboxSelection(pt, sel)
	default:
		t.sel = withoutHostNetwork(pt.Pod, taskSelection(tk, sel), sel)
		if pt.Pod.SharedPID && slices.Contains(t.sel.Types, "pid") {
			t.root = containerRoot(tk.PID)
		}
	}
	warnRiskySpec(t.name, tk.Spec, a, t.sel)
	return t, nil
}

func podTargetName(pt *runtime.PodTarget) string {
	if pt.Sandbox() {
		return fmt.Sprintf("the sandbox of pod %s", pt.Pod.Ref())
	}
	return fmt.Sprintf("container %s of pod %s", pt.Container, pt.Pod.Ref())
}

// withoutHostNetwork leaves net out of a hostNetwork pod's selection: its
// network is the host's, and nsj does not pretend to join it. asked is
// what --ns said.
func withoutHostNetwork(p *runtime.Pod, sel, asked nsjoin.Selection) nsjoin.Selection {
	if !p.HostNetwork || asked.Explicit && !slices.Contains(asked.Types, "net") {
		return sel
	}
	logrus.Infof("pod %s shares the host network namespace: the command sees the host's network (net is not joined)", p.Ref())
	types := slices.DeleteFunc(slices.Clone(sel.Types), func(t string) bool { return t == "net" })
	if types == nil {
		types = []string{}
	}
	return nsjoin.Selection{Types: types, Explicit: sel.Explicit}
}

// sandboxSelection joins the sandbox's network (from the pod's netns file),
// IPC and UTS namespaces, and its pid namespace only if the pod's
// containers share it; --ns overrides. A fallback is explained on stderr.
func sandboxSelection(pt *runtime.PodTarget, asked nsjoin.Selection) (nsjoin.Selection, map[string]string) {
	p := pt.Pod
	sel := asked
	pidWhy := "not pid: each container of the pod has its own"
	if !asked.Explicit {
		sel = nsjoin.Selection{Types: []string{"net", "ipc", "uts"}}
		if p.SharedPID {
			sel.Types = append(sel.Types, "pid")
			pidWhy = "pid too: the pod's containers share the sandbox's"
		}
	}
	sel = withoutHostNetwork(p, sel, asked)
	if asked.Explicit {
		pidWhy = "as --ns asks"
	}
	var files map[string]string
	if p.NetNSPath != "" && slices.Contains(sel.Types, "net") {
		files = map[string]string{"net": p.NetNSPath}
	}
	what := fmt.Sprintf("its %s namespaces (%s)", strings.Join(sel.Types, ", "), pidWhy)
	if pt.Fallback != "" {
		logrus.Warnf("%s; joining the pod's sandbox instead: %s", pt.Fallback, what)
	} else {
		logrus.Debugf("joining the sandbox of pod %s: %s", p.Ref(), what)
	}
	return sel, files
}

// containerRoot is where a container whose pid namespace is the pod's sees
// its own files: /proc/N/root, N its init's PID in that namespace (pid 1
// is the sandbox's pause). "" if /proc does not say.
func containerRoot(hostPID uint32) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", hostPID))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
			f := strings.Fields(rest)
			if len(f) > 1 {
				return "/proc/" + f[len(f)-1] + "/root"
			}
		}
	}
	return ""
}
