package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"escalationd/config"
	"escalationd/router"
	"escalationd/sla"
)

// checkAll is what check-config runs: the config's own checks plus the
// rules of the packages that compile it (router, sla), which live there.
var checkAll = config.Options{SkipSecrets: true, Checks: []func(*config.Config) error{router.Check, sla.CheckPolicy}}

// TestBadConfigs loads every file under testdata/bad: each holds exactly one
// problem, reported at the given line with the given message.
func TestBadConfigs(t *testing.T) {
	tests := []struct {
		file string
		line int
		msg  string // "path: message", as Problem prints it after file:line
	}{
		// Unknown team names, wherever a team is referenced.
		{"unknown-team-to.yaml", 17, `routes[0].to[0]: unknown team "suport"`},
		{"unknown-team-cc.yaml", 22, `routes[0].routes[0].cc[0]: unknown team "managment"`},
		{"unknown-team-incident.yaml", 18, `routes[0].incident[0]: unknown team "incidents"`},
		{"unknown-team-after-hours.yaml", 16, `teams[0].after_hours: unknown team "night"`},
		{"unknown-team-sla-chain.yaml", 20, `sla.urgencies.high.chain[1]: unknown team "boss"`},
		{"unknown-team-flood-alert.yaml", 19, `rate_limits.flood_alert: unknown team "abuse"`},
		{"reviews-outside-address.yaml", 19, `reviews.to[1]: "board@investor.example" is neither a team nor an internal address: review mail stays inside the company`},
		{"reviews-root-cause-words.yaml", 19, `reviews.root_causes[1]: a root-cause tag is one word (product-bug), not "product bug"`},

		// Teams without (valid) addresses.
		{"team-without-addresses.yaml", 15, `teams[1]: team "empty" has no addresses and no rotation`},
		{"team-invalid-address.yaml", 14, `teams[0].addresses[1]: invalid address "Support Desk"`},
		{"team-unknown-rotation.yaml", 16, `teams[1].rotation: unknown rotation "engineering"`},

		// Members: addresses, once each; one name per person.
		{"team-invalid-member.yaml", 17, `teams[0].members[1].address: invalid address "Riley Brooks"`},
		{"team-duplicate-member.yaml", 17, `teams[0].members[1].address: duplicate member "sam.senior@example.com" (also members[0])`},
		{"team-member-unknown-key.yaml", 17, `unknown key "adress" in teams[0].members[0]`},
		{"person-two-names.yaml", 25, `rotations[0].people[0].name: alex@example.com is named "Alexandra Rivera" here but "Alex Rivera" at teams[0].members[0].name: give one person one name`},

		// Routing to a watched mailbox is a mail loop, however it gets there.
		{"loop-team-address.yaml", 14, `teams[0].addresses[1]: address "Escalations@Example.com" is a mailbox the gateway watches: routing to it would loop`},
		{"loop-rotation-person.yaml", 26, `rotations[0].people[1].address: address "escalations@example.com" is a mailbox the gateway watches: routing to it would loop`},
		{"loop-override-address.yaml", 28, `rotations[0].overrides[0].person: address "escalations@example.com" is a mailbox the gateway watches: routing to it would loop`},

		// Retention shorter than a day (0 keeps mail forever).
		{"retention-too-short.yaml", 19, `retention.raw_mail: 12h0m0s must be at least 1d (or 0 to keep mail forever)`},

		// Rotations with gaps or overlaps.
		{"rotation-no-people.yaml", 19, `rotations[0]: rotation "eng" has no people: nobody would be on call (a gap)`},
		{"rotation-start-weekday.yaml", 21, `rotations[0].start: start 2026-01-06 is a Tuesday, but hand-offs happen on Monday: the first shift would be short (a gap)`},
		{"rotation-override-unknown-person.yaml", 28, `rotations[0].overrides[0].person: override person "Cy" is neither a rotation member nor an address: nobody would be on call (a gap)`},
		{"rotation-overlapping-overrides.yaml", 29, `rotations[0].overrides[1]: override overlaps overrides[0] (2026-12-24 18:00 until 2026-12-28 09:00): two people would be on call at once`},
		{"rotation-override-reversed.yaml", 28, `rotations[0].overrides[0]: override ends (2026-12-24 18:00) before it starts (2026-12-28 09:00)`},
		{"rotation-override-bad-time.yaml", 29, `rotations[0].overrides[0].end: invalid local time "28/12/2026 9am" (use YYYY-MM-DD HH:MM)`},
		{"rotation-handoff-2400.yaml", 23, `rotations[0].handoff_time: handoff_time 24:00 is the next day: use 00:00 and the next handoff_day`},

		// Time zones.
		{"rotation-bad-timezone.yaml", 20, `rotations[0].timezone: invalid time zone "America/Boston": use an IANA name such as America/New_York`},
		{"hours-bad-timezone.yaml", 15, `teams[0].hours.timezone: invalid time zone "EST5": use an IANA name such as America/New_York`},
		{"hours-local-timezone.yaml", 19, `teams[0].hours.timezone: invalid time zone "Local": use an IANA name such as America/New_York`},

		// Hours that make no sense.
		{"hours-end-before-start.yaml", 15, `teams[0].hours: end 09:00 must be after start 18:00`},
		{"hours-bad-day.yaml", 16, `teams[0].hours.days: invalid weekday "fry" (use mon, tue, ... or monday, ...)`},
		{"hours-bad-clock.yaml", 17, `teams[0].hours.start: invalid time of day "9am" (use HH:MM)`},
		{"hours-without-after-hours.yaml", 15, `teams[0].hours: team "support" has hours but no after_hours team`},
		{"after-hours-without-hours.yaml", 15, `teams[0].after_hours: after_hours needs hours`},
		{"holidays-bad-date.yaml", 20, `teams[0].hours.holidays[1]: invalid date "11/27/2026" (use YYYY-MM-DD)`},
		{"holidays-file-recurring.yaml", 12, `holidays_file: testdata/bad/recurring.ics: line 6: event "Every Monday" repeats (RRULE): list each date as its own event`},
		{"after-hours-cycle.yaml", 16, `teams[0].after_hours: after_hours cycle support > night > support: when all of them are outside their hours nobody is reached`},

		// Unreachable rules.
		{"unreachable-after-catch-all.yaml", 18, `routes[1]: route "critical" is unreachable: route "all" before it matches everything and does not continue`},
		{"unreachable-same-matchers.yaml", 19, `routes[1]: route "urgent-bugs" is unreachable: route "bugs" before it has the same matchers and does not continue`},
		{"unreachable-nested.yaml", 21, `routes[0].routes[1]: route "critical-bug" is unreachable: route "any-bug" before it matches everything and does not continue`},
		{"unreachable-child-disjoint.yaml", 21, `routes[0].routes[0].match.urgency: route "high" can never match: its parent routes only let through urgency critical`},

		// Matchers that cannot work.
		{"route-unknown-category.yaml", 19, `routes[0].match.category[0]: unknown category "leagl"`},
		{"route-bad-sender.yaml", 17, `routes[0].match.sender[0]: sender "partner.com" must be an address or @domain`},
		{"category-empty-keyword.yaml", 17, `categories[0].keywords[1]: keyword "--" has no letters or digits: it would never match`},

		// Breach chains per route and category, team leads, where keywords look.
		{"chain-lead-without-lead.yaml", 18, `routes[0].chain[1]: team "support" names no lead: give it lead: <address>`},
		{"category-chain-unknown-team.yaml", 18, `categories[0].chain[0]: unknown team "fraud_team"`},
		{"category-bad-field.yaml", 18, `categories[0].fields[0]: "body" is not one of subject, text`},
		{"category-exclude-without-keywords.yaml", 18, `categories[0].exclude_keywords: category "fraud" has exclude_keywords but no keywords for them to hold back`},
		{"route-negative-top-reminders.yaml", 18, `routes[0].top_reminders: top_reminders must not be negative`},
		{"team-invalid-lead.yaml", 15, `teams[0].lead: invalid address "Riley Brooks"`},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.file] = true
		t.Run(strings.TrimSuffix(tt.file, ".yaml"), func(t *testing.T) {
			path := filepath.Join("testdata", "bad", tt.file)
			_, err := config.Load(path, checkAll)
			if err == nil {
				t.Fatal("loaded without error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != 1 {
				t.Fatalf("want exactly one problem, got %d:\n%v", len(lines), err)
			}
			if want := fmt.Sprintf("%s:%d: %s", path, tt.line, tt.msg); lines[0] != want {
				t.Errorf("got  %s\nwant %s", lines[0], want)
			}
		})
	}
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("%s has no row in this table", f)
		}
	}
}

// TestGoodRoutingPasses guards the new checks against false alarms.
func TestGoodRoutingPasses(t *testing.T) {
	const head = `
database: /tmp/x.db
mailboxes: [{name: escalations, address: escalations@example.com, host: imap.example.com, username: e}]
smtp: {host: smtp.example.com, from: escalations@example.com}
`
	for name, body := range map[string]string{
		"same matchers, the first continues": `
teams: [{name: a, addresses: [a@example.com]}]
routes:
  - {name: one, match: {urgency: [high]}, to: [a], continue: true}
  - {name: two, match: {urgency: [high]}, cc: [a]}
`,
		"overlapping but different matchers": `
teams: [{name: a, addresses: [a@example.com]}]
routes:
  - {name: one, match: {urgency: [high, critical]}, to: [a]}
  - {name: two, match: {urgency: [high]}, cc: [a]}
  - {name: three, match: {urgency: [high], sender: ["@example.com"]}, cc: [a]}
`,
		"a child narrowing its parent": `
teams: [{name: a, addresses: [a@example.com]}]
routes:
  - name: bugs
    match: {kind: [engineering], urgency: [high, critical]}
    to: [a]
    routes:
      - {name: crit, match: {urgency: [critical]}, cc: [a]}
      - {name: grand, match: {kind: [engineering]}, routes: [{name: g, match: {urgency: [high]}, to: [a]}]}
`,
		"an after_hours chain that ends": `
teams:
  - {name: a, addresses: [a@example.com], hours: {days: [mon-fri], start: "09:00", end: "17:00", timezone: UTC}, after_hours: b}
  - {name: b, addresses: [b@example.com], hours: {days: [sat-sun], start: "09:00", end: "17:00", timezone: UTC}, after_hours: c}
  - {name: c, addresses: [c@example.com]}
routes: [{name: all, to: [a]}]
`,
		"chains per route and category, a lead, excludes and fields": `
teams:
  - {name: a, addresses: [a@example.com], lead: lead@example.com}
  - {name: b, addresses: [b@example.com]}
categories:
  - {name: fraud, keywords: [fraud], exclude_keywords: [billing dispute], fields: [subject, text], chain: [b], top_reminders: 0}
routes:
  - {name: only-chain, match: {category: [fraud]}, chain: [], top_reminders: 1, continue: true}
  - {name: all, to: [a], chain: [a, "lead:a"]}
sla: {urgencies: {high: {response: 30m, chain: ["lead:a", b]}}}
`,
	} {
		if _, err := config.Parse([]byte(head+body), "good.yaml", checkAll); err != nil {
			t.Errorf("%s: rejected: %v", name, err)
		}
	}
}

// TestProblemsInFileOrder: several problems in one route come out in file
// order, every run, and an impossible child does not drag its own children in.
func TestProblemsInFileOrder(t *testing.T) {
	doc := `
database: /tmp/x.db
mailboxes: [{name: escalations, address: escalations@example.com, host: imap.example.com, username: e}]
smtp: {host: smtp.example.com, from: escalations@example.com}
teams: [{name: a, addresses: [a@example.com]}]
routes:
  - name: crit
    match: {urgency: [critical]}
    to: [x1]
    cc: [x2]
    incident: [x3]
    routes:
      - name: high
        match: {urgency: [high]}
        to: [a]
        routes: [{name: deeper, match: {urgency: [high]}, to: [a]}]
`
	for range 20 {
		_, err := config.Parse([]byte(doc), "order.yaml", checkAll)
		want := strings.Join([]string{
			`order.yaml:9: routes[0].to[0]: unknown team "x1"`,
			`order.yaml:10: routes[0].cc[0]: unknown team "x2"`,
			`order.yaml:11: routes[0].incident[0]: unknown team "x3"`,
			`order.yaml:14: routes[0].routes[0].match.urgency: route "high" can never match: its parent routes only let through urgency critical`,
		}, "\n")
		if err == nil || err.Error() != want {
			t.Fatalf("got\n%v\nwant\n%s", err, want)
		}
	}
}

// FuzzCheck is FuzzParse with the router's and sla's checks, which run on
// configs that failed the config's own checks too: they must report, never
// panic.
func FuzzCheck(f *testing.F) {
	for _, dir := range []string{"testdata/bad", "../examples"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse(data, "fuzz.yaml", checkAll)
		if err == nil && cfg == nil {
			t.Fatal("nil config without an error")
		}
	})
}
