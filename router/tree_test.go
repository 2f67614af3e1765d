package router

import (
	"slices"
	"strings"
	"testing"
	"time"

	"escalationd/config"

	"go.yaml.in/yaml/v3"
)

// base is the part of a config every rule set below shares.
const base = `
database: /tmp/test.db
mailboxes:
  - {name: escalations, address: esc@example.com, host: imap.example.com, username: esc, password_file: x}
  - {name: security, kind: security, address: sec@example.com, host: imap.example.com, username: sec, password_file: x}
smtp: {host: smtp.example.com, from: esc@example.com}
teams:
  - {name: a, addresses: [a@example.com], lead: lead-a@example.com}
  - {name: b, addresses: [b@example.com]}
  - {name: c, addresses: [c@example.com, shared@example.com]}
  - {name: d, addresses: [d@example.com, shared@example.com]}
`

func compileYAML(t testing.TB, rules string) *Router {
	t.Helper()
	cfg, err := config.Parse([]byte(base+rules), "rules.yaml", config.Options{SkipSecrets: true})
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	r, err := Compile(cfg)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return r
}

type treeCase struct {
	name string
	in   Input
	to   string // comma-separated addresses
	cc   string
	rule string
}

func runTree(t *testing.T, rules string, cases []treeCase) {
	t.Helper()
	r := compileYAML(t, rules)
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := r.Route(tc.in, now)
			if got := strings.Join(d.To, ","); got != tc.to {
				t.Errorf("To = %q, want %q", got, tc.to)
			}
			if got := strings.Join(d.Cc, ","); got != tc.cc {
				t.Errorf("Cc = %q, want %q", got, tc.cc)
			}
			if d.Rule != tc.rule {
				t.Errorf("Rule = %q, want %q", d.Rule, tc.rule)
			}
			if t.Failed() {
				t.Log(d.Explain)
			}
		})
	}
}

func TestTreeFirstMatchAndContinue(t *testing.T) {
	runTree(t, `
routes:
  - name: crit
    match: {urgency: [critical]}
    to: [a]
    continue: true
  - name: high
    match: {urgency: [high]}
    to: [b]
  - name: high-again      # only reached by critical ones (crit continues)
    match: {urgency: [high, critical]}
    to: [c]
  - name: rest
    to: [d]
`, []treeCase{
		{"continue reaches the next match", Input{Urgency: "critical"}, "a@example.com,c@example.com,shared@example.com", "", "crit, high-again"},
		{"first match stops", Input{Urgency: "high"}, "b@example.com", "", "high"},
		{"catch-all last", Input{Urgency: "low"}, "d@example.com,shared@example.com", "", "rest"},
		{"matcher values are case-insensitive", Input{Urgency: "HIGH"}, "b@example.com", "", "high"},
		{"empty urgency matches no urgency list", Input{}, "d@example.com,shared@example.com", "", "rest"},
	})
}

func TestTreeNesting(t *testing.T) {
	runTree(t, `
routes:
  - name: eng
    match: {kind: [engineering]}
    to: [a]
    cc: [b]
    routes:
      - name: crit
        match: {urgency: [critical]}
        to: [c]
      - name: deep
        match: {urgency: [high]}
        routes:
          - name: pay
            match: {keywords: [payment]}
            to: [d]
        cc: [c]
  - name: other
    to: [b]
`, []treeCase{
		{"child replaces parent", Input{Kind: "engineering", Urgency: "critical"}, "c@example.com,shared@example.com", "", "eng > crit"},
		{"parent when no child matched", Input{Kind: "engineering", Urgency: "low"}, "a@example.com", "b@example.com", "eng"},
		{"grandchild", Input{Kind: "engineering", Urgency: "high", Text: "Payment failed"}, "d@example.com,shared@example.com", "", "eng > deep > pay"},
		{"middle fallback", Input{Kind: "engineering", Urgency: "high", Text: "payments failed"}, "", "c@example.com,shared@example.com", "eng > deep"},
		{"parent matched, so siblings stop", Input{Kind: "engineering"}, "a@example.com", "b@example.com", "eng"},
		{"parent not matched", Input{Kind: "management", Urgency: "critical"}, "b@example.com", "", "other"},
	})
}

func TestTreeContinueInsideChildren(t *testing.T) {
	runTree(t, `
routes:
  - name: special
    match: {keywords: [lawsuit, reporter]}
    continue: true
    routes:
      - {name: legal, match: {keywords: [lawsuit]}, to: [a], continue: true}
      - {name: media, match: {keywords: [reporter]}, to: [b], continue: true}
  - name: all
    cc: [a, c]
`, []treeCase{
		{"both children, then the sibling", Input{Text: "a reporter asks about the lawsuit"}, "a@example.com,b@example.com", "c@example.com,shared@example.com", "special > legal, special > media, all"},
		{"one child", Input{Subject: "Reporter"}, "b@example.com", "a@example.com,c@example.com,shared@example.com", "special > media, all"},
		{"To wins over Cc", Input{Text: "lawsuit"}, "a@example.com", "c@example.com,shared@example.com", "special > legal, all"},
		{"neither", Input{Text: "nothing"}, "", "a@example.com,c@example.com,shared@example.com", "all"},
	})
}

func TestTreeSenderAndKeywords(t *testing.T) {
	runTree(t, `
routes:
  - {name: vip, match: {sender: [boss@example.com]}, to: [a]}
  - {name: partner, match: {sender: ["@partner.com"]}, to: [b]}
  - {name: phrase, match: {keywords: [data breach, sue]}, to: [c]}
  - {name: mailbox, match: {mailbox: [security]}, to: [d]}
  - {name: issue, match: {issue_type: [media], kind: [management]}, to: [a, b]}
  - {name: none, match: {kind: [engineering]}, to: [b]}
`, []treeCase{
		{"exact address", Input{Sender: "boss@example.com"}, "a@example.com", "", "vip"},
		{"address is case-insensitive", Input{Sender: "Boss@Example.com"}, "a@example.com", "", "vip"},
		{"other local part", Input{Sender: "boss2@example.com"}, "", "", ""},
		{"domain", Input{Sender: "x@partner.com"}, "b@example.com", "", "partner"},
		{"subdomain", Input{Sender: "x@eu.partner.com"}, "b@example.com", "", "partner"},
		{"not a suffix on a label boundary", Input{Sender: "x@notpartner.com"}, "", "", ""},
		{"phrase across whitespace and case", Input{Text: "possible DATA\n  Breach here"}, "c@example.com,shared@example.com", "", "phrase"},
		{"phrase with punctuation", Input{Subject: "data-breach!"}, "c@example.com,shared@example.com", "", "phrase"},
		{"word boundary: issue is not sue", Input{Text: "an issue with pursue"}, "", "", ""},
		{"word boundary: plural is another word", Input{Text: "data breaches"}, "", "", ""},
		{"whole word", Input{Text: "They will SUE."}, "c@example.com,shared@example.com", "", "phrase"},
		{"mailbox", Input{Mailbox: "security"}, "d@example.com,shared@example.com", "", "mailbox"},
		{"every matcher list must match", Input{Kind: "escalation", IssueType: "media"}, "", "", ""},
		{"all lists matched", Input{Kind: "management", IssueType: "media"}, "a@example.com,b@example.com", "", "issue"},
		{"nothing matched", Input{Kind: "escalation"}, "", "", ""},
	})
}

func TestCategoriesApplyWhateverRouteMatched(t *testing.T) {
	r := compileYAML(t, `
categories:
  - name: legal
    issue_types: [legal]
    keywords: [lawsuit]
    flags: {confidential: true}
    notes: ["Escalated to Legal"]
  - name: fraud
    keywords: [chargeback, stolen card]
    flags: {suspend_account: true}
    notes: ["Document evidence"]
  - name: sec
    mailboxes: [security]
    kinds: [security_report]
    flags: {approval_required: true}
routes:
  - name: legal
    match: {category: [legal]}
    to: [a]
    notes: ["Escalated to Legal", "Route note"]
    flags: {suspend_account: true}
  - name: rest
    to: [b]
`)
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	d := r.Route(Input{Kind: "management", IssueType: "legal", Subject: "Chargeback", Text: "a lawsuit about a stolen card"}, now)
	wantCats := []Category{
		{Name: "legal", Evidence: []string{"issue type legal", `keyword "lawsuit" in text`}},
		{Name: "fraud", Evidence: []string{`keyword "chargeback" in subject`, `keyword "stolen card" in text`}},
	}
	if !slices.EqualFunc(d.Categories, wantCats, func(a, b Category) bool { return a.Name == b.Name && slices.Equal(a.Evidence, b.Evidence) }) {
		t.Errorf("Categories = %+v, want %+v", d.Categories, wantCats)
	}
	if want := (Flags{Confidential: true, SuspendAccount: true}); d.Flags != want {
		t.Errorf("Flags = %+v, want %+v", d.Flags, want)
	}
	if want := []string{"Escalated to Legal", "Document evidence", "Route note"}; !slices.Equal(d.Notes, want) {
		t.Errorf("Notes = %q, want %q (deduplicated, categories first)", d.Notes, want)
	}
	// A route that ignores the category still gets its flags.
	d = r.Route(Input{Kind: "security_report", Mailbox: "security"}, now)
	if !d.Flags.ApprovalRequired || d.Rule != "rest" || len(d.Categories) != 1 ||
		!slices.Equal(d.Categories[0].Evidence, []string{"mailbox security", "kind security_report"}) {
		t.Errorf("security report: %+v", d)
	}
	d = r.Route(Input{Kind: "escalation", Text: "nothing special"}, now)
	if d.Flags != (Flags{}) || len(d.Categories) != 0 || len(d.Notes) != 0 {
		t.Errorf("plain case: %+v", d)
	}
}

func TestTeamsResolveAtNow(t *testing.T) {
	r := compileYAML(t, `
  - name: day
    addresses: [day@example.com]
    hours: {days: [mon-fri], start: "09:00", end: "17:00", timezone: Europe/Berlin}
    after_hours: night
  - name: night
    rotation: night
    hours: {days: [mon-sun], start: "00:00", end: "24:00", timezone: UTC}
    after_hours: a
rotations:
  - name: night
    timezone: Europe/Berlin
    start: "2026-01-05"
    handoff_day: mon
    handoff_time: "10:00"
    people:
      - {name: Ann, address: Ann@Example.com}
      - {name: Bo, address: bo@example.com}
    overrides:
      - {start: "2026-06-06 00:00", end: "2026-06-07 00:00", person: Ann, reason: swap}
routes:
  - {name: r, to: [day], cc: [night]}
`)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tests := []struct {
		name   string
		at     time.Time
		to, cc string
		why    string
	}{
		{"in hours", time.Date(2026, 6, 1, 9, 0, 0, 0, berlin), "day@example.com", "ann@example.com",
			"day is in its hours (Mon-Fri 09:00-17:00 Europe/Berlin) at Mon 09:00 CEST"},
		{"after hours: the rotation, To wins", time.Date(2026, 6, 1, 17, 0, 0, 0, berlin), "bo@example.com", "",
			"day is outside its hours (Mon-Fri 09:00-17:00 Europe/Berlin) at Mon 17:00 CEST: routed to night; night is in its hours (Mon-Sun 00:00-24:00 UTC) at Mon 15:00 UTC; on call in night until 2026-06-06T00:00:00+02:00"},
		{"override", time.Date(2026, 6, 6, 12, 0, 0, 0, berlin), "ann@example.com", "",
			"day is outside its hours (Mon-Fri 09:00-17:00 Europe/Berlin) at Sat 12:00 CEST: routed to night; night is in its hours (Mon-Sun 00:00-24:00 UTC) at Sat 10:00 UTC; on call in night (override: swap) until 2026-06-07T00:00:00+02:00"},
	}
	for _, tt := range tests {
		d := r.Route(Input{}, tt.at)
		if strings.Join(d.To, ",") != tt.to || strings.Join(d.Cc, ",") != tt.cc || d.Recipients[0].Why != tt.why {
			t.Errorf("%s: To=%v Cc=%v Why=%q\nwant To=%s Cc=%s Why=%q", tt.name, d.To, d.Cc, d.Recipients[0].Why, tt.to, tt.cc, tt.why)
		}
	}
	if got := r.Teams(); !slices.Equal(got, []string{"a", "b", "c", "d", "day", "night"}) {
		t.Errorf("Teams() = %v", got)
	}
	rc, err := r.ResolveTeam("day", time.Date(2026, 6, 1, 8, 0, 0, 0, berlin))
	if err != nil || len(rc) != 1 || rc[0].Address != "ann@example.com" || rc[0].Team != "night" || rc[0].Name != "Ann" {
		t.Errorf("ResolveTeam(day) = %+v, %v", rc, err)
	}
	if _, err := r.ResolveTeam("nope", time.Time{}); err == nil {
		t.Error("ResolveTeam accepted an unknown team")
	}
}

func TestNoRouteMatched(t *testing.T) {
	r := compileYAML(t, `
routes:
  - {name: eng, match: {kind: [engineering]}, to: [a]}
`)
	d := r.Route(Input{Kind: "escalation"}, time.Time{})
	if d.To == nil || d.Cc == nil || len(d.To) != 0 || d.Rule != "" || !strings.Contains(d.Explain, "no route matched") {
		t.Errorf("%+v", d)
	}
}

func TestCompileRejects(t *testing.T) {
	cfg := &config.Config{
		Teams: []config.Team{
			{Name: "x", Addresses: []string{"x@example.com"}, Hours: mondayHours(t), AfterHours: "y"},
			{Name: "y", Addresses: []string{"y@example.com"}, Hours: mondayHours(t), AfterHours: "x"},
			{Name: "z", Rotation: "missing"},
		},
		Routes: []config.Route{{Name: "r", To: []string{"nope"}, Match: config.Match{Category: []string{"ghost"}}}},
	}
	_, err := Compile(cfg)
	if err == nil {
		t.Fatal("Compile accepted a broken config")
	}
	for _, want := range []string{"after_hours cycle x > y > x", `unknown rotation "missing"`, `unknown team "nope"`, `unknown category "ghost"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, err := Compile(nil); err == nil {
		t.Error("Compile(nil) succeeded")
	}
}

// mondayHours are Monday 09:00-10:00 UTC, parsed as the config file is.
func mondayHours(t testing.TB) *config.Hours {
	t.Helper()
	var h config.Hours
	if err := yaml.Unmarshal([]byte(`{days: [mon], start: "09:00", end: "10:00", timezone: UTC}`), &h); err != nil {
		t.Fatal(err)
	}
	return &h
}

// exclude_keywords hold a category's keywords back; fields limit where
// keywords are looked for; an issue type still detects an excluded case.
func TestCategoryExcludeAndFields(t *testing.T) {
	r := compileYAML(t, `
categories:
  - {name: fraud, issue_types: [fraud], keywords: [chargeback], exclude_keywords: [billing dispute]}
  - {name: subj, keywords: [urgent], fields: [subject]}
  - {name: body, keywords: [urgent], fields: [text]}
routes:
  - {to: [a]}
`)
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	cats := func(in Input) string {
		var out []string
		for _, c := range r.Route(in, now).Categories {
			out = append(out, c.Name)
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		in   Input
		want string
	}{
		{Input{Text: "a chargeback"}, "fraud"},
		{Input{Text: "a billing dispute and a chargeback"}, ""},
		{Input{Subject: "Billing dispute", Text: "chargeback", IssueType: "fraud"}, "fraud"},
		{Input{Subject: "urgent"}, "subj"},
		{Input{Text: "urgent"}, "body"},
		{Input{Subject: "urgent", Text: "urgent"}, "subj,body"},
	} {
		if got := cats(tc.in); got != tc.want {
			t.Errorf("%+v: categories %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A route's chain wins over a category's, a child's over its parent's, and
// a category's over the urgency's; chain entries must resolve.
func TestChainPrecedence(t *testing.T) {
	r := compileYAML(t, `
categories:
  - {name: x, keywords: [xray], chain: [b], top_reminders: 1}
routes:
  - name: p
    match: {kind: [engineering]}
    chain: [c]
    routes:
      - {name: child, match: {urgency: [high]}, to: [a], chain: [d, "lead:a"]}
      - {name: other, to: [a]}
  - {name: rest, to: [a]}
`)
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   Input
		want string
		top  int
	}{
		{Input{Kind: "engineering", Urgency: "high", Text: "xray"}, "d > lead:a", -1},
		{Input{Kind: "engineering", Urgency: "low", Text: "xray"}, "c", -1},
		{Input{Kind: "escalation", Text: "xray"}, "b", 1},
		{Input{Kind: "escalation"}, "", -1},
	} {
		d := r.Route(tc.in, now)
		top := -1
		if d.TopReminders != nil {
			top = *d.TopReminders
		}
		if got := strings.Join(d.Chain, " > "); got != tc.want || top != tc.top {
			t.Errorf("%+v: chain %q top %d, want %q %d", tc.in, got, top, tc.want, tc.top)
		}
	}
	cfg, err := config.Parse([]byte(base+`
categories:
  - {name: x, keywords: [xray], exclude_keywords: ["!!"], fields: [body], chain: ["lead:b", nope]}
routes:
  - {to: [a], chain: ["lead:zz"]}
`), "rules.yaml", config.Options{SkipSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Compile(cfg)
	for _, want := range []string{`team "b" names no lead`, `unknown team "nope"`, `unknown team "zz"`, `"body" is not one of subject, text`, `keyword "!!"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Compile error lacks %q: %v", want, err)
		}
	}
}
