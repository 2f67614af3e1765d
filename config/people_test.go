package config

import (
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const peopleHead = `
database: /tmp/x.db
mailboxes: [{name: escalations, address: escalations@example.com, host: imap.example.com, username: e}]
smtp: {host: smtp.example.com, from: escalations@example.com}
`

// TestMembersBothForms: a member is a plain address or {name, address};
// addresses come out in lower case, names as written.
func TestMembersBothForms(t *testing.T) {
	doc := peopleHead + `
teams:
  - name: support
    addresses: [support@example.com]
    members:
      - Riley.Brooks@Example.com
      - {name: Sam Senior, address: " sam.senior@example.com "}
      - name: Pat Doe
        address: pat@example.com
  - name: oncall
    rotation: eng
rotations:
  - name: eng
    timezone: UTC
    start: "2026-01-05"
    handoff_day: monday
    handoff_time: "09:00"
    people: [{name: Alex Rivera, address: alex@example.com}]
routes: [{name: all, to: [support]}]
`
	cfg, err := Parse([]byte(doc), "people.yaml", Options{SkipSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	team, _ := cfg.Team("support")
	if got, want := team.MemberAddresses(), []string{"riley.brooks@example.com", "sam.senior@example.com", "pat@example.com"}; !slices.Equal(got, want) {
		t.Errorf("MemberAddresses = %q, want %q", got, want)
	}
	for addr, want := range map[string]string{
		"sam.senior@example.com":   "Sam Senior",
		"SAM.SENIOR@example.com":   "Sam Senior",
		"pat@example.com":          "Pat Doe",
		"alex@example.com":         "Alex Rivera", // a rotation's person
		"riley.brooks@example.com": "",            // a member without a name
		"nobody@example.com":       "",
		"":                         "",
	} {
		if got := cfg.PersonName(addr); got != want {
			t.Errorf("PersonName(%q) = %q, want %q", addr, got, want)
		}
	}
	if cfg.Line("teams[0].members[2].address") != 13 {
		t.Errorf("members[2].address at line %d, want 13", cfg.Line("teams[0].members[2].address"))
	}
}

// TestMemberBadShapes: a member that is neither form is reported at its
// line with its key path, and the problems after it still are.
func TestMemberBadShapes(t *testing.T) {
	for name, tt := range map[string]struct{ members, want string }{
		"list":         {"[[a@example.com]]", `bad.yaml:8: teams[0].members[0]: expected an address or {name, address}, got a list`},
		"list name":    {"[{name: [Sam], address: a@example.com}]", `bad.yaml:8: teams[0].members[0].name: expected a single value, got a list`},
		"repeated key": {"[{address: a@example.com, address: b@example.com}]", `bad.yaml:8: teams[0].members[0].address: mapping key "address" already defined at line 8`},
		"unknown key":  {"[{name: Sam, mail: a@example.com}]", `bad.yaml:8: unknown key "mail" in teams[0].members[0]`},
		"no address":   {"[{name: Sam}]", `bad.yaml:8: teams[0].members[0]: missing address`},
		"two lines":    {`[{name: "Sam\nBcc: x@evil.example", address: a@example.com}]`, `bad.yaml:8: teams[0].members[0].name: name "Sam\nBcc: x@evil.example" must be one line without control characters`},
	} {
		doc := peopleHead + "teams:\n  - name: support\n    addresses: [support@example.com]\n    members: " + tt.members + "\nroutes: [{name: all, to: [support]}]\n"
		_, err := Parse([]byte(doc), "bad.yaml", Options{SkipSecrets: true})
		if err == nil || !slices.Contains(strings.Split(err.Error(), "\n"), tt.want) {
			t.Errorf("%s: got\n%v\nwant a line\n%s", name, err, tt.want)
		}
	}
}

// TestMemberMarshal: a member without a name is written back as a plain
// address, one with a name as a mapping, so the effective config reads
// like the file.
func TestMemberMarshal(t *testing.T) {
	b, err := yaml.Marshal([]Member{{Address: "a@example.com"}, {Name: "Sam Senior", Address: "sam@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), "- a@example.com\n- name: Sam Senior\n  address: sam@example.com\n"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
