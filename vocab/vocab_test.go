package vocab

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"testing"
)

func TestUrgencyParseAndRank(t *testing.T) {
	for in, want := range map[string]Urgency{"Critical": Critical, "HIGH": High, "med": Medium, "P4": Low, "sev1": Critical, "low": Low} {
		if got, ok := ParseUrgency(in); !ok || got != want {
			t.Errorf("ParseUrgency(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "urgent", "p5", "whenever"} {
		if u, ok := ParseUrgency(in); ok {
			t.Errorf("ParseUrgency(%q) = %q, want no level", in, u)
		}
	}
	if !Critical.Above(High) || Low.Above(Medium) || Urgency("x").Rank() != -1 {
		t.Error("ranks out of order")
	}
	if got := Join(Urgencies, "or"); got != "low, medium, high or critical" {
		t.Errorf("Join = %q", got)
	}
	if Critical.Title() != "Critical" {
		t.Errorf("Title = %q", Critical.Title())
	}
}

func TestCommands(t *testing.T) {
	for _, c := range Commands {
		if got, ok := ParseCommand(string(c)); !ok || got != c {
			t.Errorf("ParseCommand(%q) = %q, %v", c, got, ok)
		}
	}
	if c, ok := ParseCommand("acknowledged"); !ok || c != CmdAck {
		t.Errorf("alias: %q %v", c, ok)
	}
	if _, ok := ParseCommand("ACKK"); ok {
		t.Error("a typo parsed as a command")
	}
}

// Every word is listed once, so a duplicate definition cannot hide.
func TestListsHaveNoDuplicates(t *testing.T) {
	check := func(name string, words []string) {
		for i, w := range words {
			if slices.Index(words, w) != i {
				t.Errorf("%s lists %q twice", name, w)
			}
		}
	}
	check("AuditEvents", names(AuditEvents))
	check("Templates", names(Templates))
	check("Kinds", names(Kinds))
	check("Commands", names(Commands))
	for _, k := range TimerKinds {
		if !k.Event().IsMail() {
			t.Errorf("timer kind %q sends no mail event", k)
		}
	}
}

func TestEveryCommandHasUsage(t *testing.T) {
	for _, c := range Commands {
		if syntax, does := c.Usage(); syntax == "" || does == "" {
			t.Errorf("%s has no usage", c)
		}
	}
}

// Every Event constant of event.go is listed in AuditEvents, so reports
// and the review command never miss an event type.
func TestEveryEventIsListed(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "event.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok {
					continue
				}
				n++
				if ev := Event(strings.Trim(lit.Value, `"`)); !slices.Contains(AuditEvents, ev) {
					t.Errorf("%s (%s) is not in AuditEvents", name.Name, ev)
				}
			}
		}
	}
	if n < len(AuditEvents) {
		t.Errorf("read %d event constants, AuditEvents lists %d", n, len(AuditEvents))
	}
}
