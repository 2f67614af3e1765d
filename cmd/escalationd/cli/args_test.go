package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

// runArgs runs a command through Run, as main does.
func runArgs(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut}, args[0], args[1:])
	return out.String(), err
}

// The bug: "cases --config F show TCK-1" listed every case. The
// subcommand and the flags may come in any order.
func TestCasesSubcommandAndFlagsInAnyOrder(t *testing.T) {
	cfg := casesConfig(t)
	var first string
	for i, args := range [][]string{
		{"cases", "show", "--config", cfg, "TCK-77"},
		{"cases", "--config", cfg, "show", "TCK-77"},
		{"cases", "show", "TCK-77", "--config", cfg},
		{"cases", "--config=" + cfg, "show", "TCK-77"},
	} {
		out, err := runArgs(t, "", args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if !strings.HasPrefix(out, "Case ") || !strings.Contains(out, "TCK-77") || strings.Contains(out, "RESPOND BY") {
			t.Fatalf("%v printed no case detail:\n%s", args, out)
		}
		if i == 0 {
			first = out
		} else if out != first {
			t.Errorf("%v printed\n%s\nwhile %q printed\n%s", args, out, "cases show --config F TCK-77", first)
		}
	}
	for _, args := range [][]string{
		{"cases", "show", "--json", "--config", cfg, "TCK-77"},
		{"cases", "--json", "--config", cfg, "show", "TCK-77"},
		{"cases", "show", "TCK-77", "--config", cfg, "--json"},
	} {
		out, err := runArgs(t, "", args...)
		if err != nil || !strings.Contains(out, `"ticket": "TCK-77"`) || !strings.Contains(out, `"events"`) {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	var list string
	for i, args := range [][]string{
		{"cases", "--config", cfg, "--open"},
		{"cases", "list", "--config", cfg, "--open"},
		{"cases", "--open", "list", "--config", cfg},
		{"cases", "--config", cfg, "list", "--open"},
	} {
		out, err := runArgs(t, "", args...)
		if err != nil || !strings.Contains(out, "RESPOND BY") || !strings.Contains(out, "TCK-77") {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		if i == 0 {
			list = out
		} else if out != list {
			t.Errorf("%v printed\n%s\nwant\n%s", args, out, list)
		}
	}
	out, err := runArgs(t, "", "cases", "--note", "fixed by hand", "resolve", "--config", cfg, "TCK-77")
	if err != nil || out != "TCK-77 resolved: fixed by hand\n" {
		t.Fatalf("cases --note N resolve --config F TCK-77: %v\n%s", err, out)
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	same := func(a, b []string, stdin string) {
		t.Helper()
		outA, errA := runArgs(t, stdin, a...)
		outB, errB := runArgs(t, stdin, b...)
		if errA != nil || errB != nil {
			t.Fatalf("%v: %v; %v: %v", a, errA, b, errB)
		}
		if outA != outB {
			t.Fatalf("%v printed\n%s\nbut %v printed\n%s", a, outA, b, outB)
		}
	}
	const at = "2026-11-29T03:00:00-05:00"
	mail := generic(t, "TCK-8", "Critical", "Payment processing down")
	same([]string{"route", "--config", helpdesk, "--at", at, mail}, []string{"route", mail, "--at", at, "--config", helpdesk}, "")
	same([]string{"route", "--config", helpdesk, "--explain", "--at", at, "-"}, []string{"route", "-", "--explain", "--config", helpdesk, "--at", at}, readFile(t, mail))
	same([]string{"parse", "--config", helpdesk, mail}, []string{"parse", mail, "--config", helpdesk}, "")
	same([]string{"parse", "--", "-"}, []string{"parse", "-"}, readFile(t, mail))
	same([]string{"oncall", "--config", helpdesk, "--json", "--at", at}, []string{"oncall", "--json", "--at", at, "--config", helpdesk}, "")
	// The example's secrets are not on this machine: both forms report
	// the same problems.
	_, errA := runArgs(t, "", "check-config", "--config", helpdesk)
	_, errB := runArgs(t, "", "check-config", helpdesk)
	if errA == nil || errB == nil || errA.Error() != errB.Error() {
		t.Fatalf("check-config --config F: %v\ncheck-config F: %v", errA, errB)
	}
	same([]string{"simulate", "--config", helpdesk, "--start", at, "--for", "1h", mail},
		[]string{"simulate", mail, "--for", "1h", "--config", helpdesk, "--start", at}, "")
}

// Every command refuses what it does not take, before doing anything.
func TestStrayArgumentsAreUsageErrors(t *testing.T) {
	cfg := casesConfig(t)
	mail := generic(t, "TCK-9", "High", "Export broken")
	for _, tt := range []struct {
		args []string
		want string // in the message
	}{
		{[]string{"check-config", "--config", helpdesk, "extra"}, `unexpected "extra"`},
		{[]string{"check-config", helpdesk, "extra"}, `unexpected "extra"`},
		{[]string{"parse", mail, "extra"}, `unexpected "extra"`},
		{[]string{"parse", "--config", helpdesk}, "parse takes one FILE"},
		{[]string{"route", "--config", helpdesk, mail, "extra"}, `unexpected "extra"`},
		{[]string{"oncall", "--config", helpdesk, "extra"}, `oncall takes no arguments; unexpected "extra"`},
		{[]string{"oncall", "--config", helpdesk, "--frob"}, "flag provided but not defined: -frob"},
		{[]string{"cases", "--config", cfg, "TCK-77"}, `unknown cases command "TCK-77"`},
		{[]string{"cases", "list", "extra", "--config", cfg}, `cases list takes no arguments; unexpected "extra"`},
		{[]string{"cases", "--config", cfg, "show"}, "cases show takes one TICKET"},
		{[]string{"cases", "--config", cfg, "show", "TCK-77", "extra"}, `unexpected "extra"`},
		{[]string{"cases", "resolve", "TCK-77", "extra", "--config", cfg, "--note", "x"}, `unexpected "extra"`},
		{[]string{"cases", "show", "TCK-77", "--open", "--config", cfg}, "--open is a flag of cases list"},
		{[]string{"cases", "--note", "x", "--config", cfg}, "--note is a flag of cases resolve"},
		{[]string{"stats", "--config", cfg, "extra"}, `stats takes no arguments; unexpected "extra"`},
		{[]string{"review", "extra", "--config", cfg}, `review takes no arguments; unexpected "extra"`},
		{[]string{"demo", "extra"}, `demo takes no arguments; unexpected "extra"`},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
	} {
		out, err := runArgs(t, "", tt.args...)
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want a usage error saying %q", tt.args, err, tt.want)
		}
		if out != "" {
			t.Errorf("%v printed before refusing:\n%s", tt.args, out)
		}
	}
	// Nothing was resolved by the refused command.
	out, err := runArgs(t, "", "cases", "--open", "--config", cfg)
	if err != nil || !strings.Contains(out, "TCK-77") {
		t.Fatalf("after the refusals: %v\n%s", err, out)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
