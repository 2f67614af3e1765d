package config

import (
	"fmt"
	"strings"
	"testing"
)

// durationsDoc sets every duration key of the file; %s marks the one under
// test.
const durationsDoc = `database: /tmp/x.db
gateway:
  shutdown_timeout: {{gateway.shutdown_timeout}}
mailboxes:
  - name: escalations
    address: escalations@example.com
    host: imap.example.com
    username: escalations
    poll_interval: {{mailboxes[0].poll_interval}}
smtp:
  host: smtp.example.com
  from: escalations@example.com
  timeout: {{smtp.timeout}}
teams: [{name: support, addresses: [support@example.com]}]
routes: [{name: all, to: [support]}]
sla:
  urgencies:
    high:
      response: {{sla.urgencies.high.response}}
      status_check: {{sla.urgencies.high.status_check}}
      customer_update: {{sla.urgencies.high.customer_update}}
outbox:
  retry_initial: {{outbox.retry_initial}}
  retry_max: {{outbox.retry_max}}
  give_up_after: {{outbox.give_up_after}}
rate_limits:
  window: {{rate_limits.window}}
`

var durationKeys = []string{
	"gateway.shutdown_timeout", "mailboxes[0].poll_interval", "smtp.timeout",
	"sla.urgencies.high.response", "sla.urgencies.high.status_check", "sla.urgencies.high.customer_update",
	"outbox.retry_initial", "outbox.retry_max", "outbox.give_up_after", "rate_limits.window",
}

// withDurations fills durationsDoc: bad for key, 1h for every other one.
func withDurations(key, bad string) (doc string, line int) {
	doc = durationsDoc
	for _, k := range durationKeys {
		v := "1h"
		if k == key {
			v = bad
		}
		doc = strings.Replace(doc, "{{"+k+"}}", v, 1)
	}
	for i, l := range strings.Split(durationsDoc, "\n") {
		if strings.Contains(l, "{{"+key+"}}") {
			line = i + 1
		}
	}
	return doc, line
}

func TestDurationsDocIsValid(t *testing.T) {
	doc, _ := withDurations("", "")
	if _, err := Parse([]byte(doc), "d.yaml", Options{SkipSecrets: true}); err != nil {
		t.Fatal(err)
	}
}

// A negative duration, in days or not, is refused for every duration key
// at its line: -1d once slipped through and made the outbox hammer a failing
// server (retry_initial) or switched status checks off (status_check).
func TestNegativeDurationsRejected(t *testing.T) {
	for _, key := range durationKeys {
		for _, bad := range []string{"-1d", "-1d12h", "-30s", "1d-5h"} {
			doc, line := withDurations(key, bad)
			_, err := Parse([]byte(doc), "d.yaml", Options{SkipSecrets: true})
			want := fmt.Sprintf("d.yaml:%d: %s: invalid duration %q: negative", line, key, bad)
			if err == nil || err.Error() != want {
				t.Errorf("%s: %s:\n got %v\nwant %s", key, bad, err, want)
			}
		}
	}
}

func TestDurationRanges(t *testing.T) {
	for _, tt := range []struct {
		key, value, want string
	}{
		{"outbox.retry_initial", "2h", "d.yaml:24: outbox.retry_max: retry_max 1h0m0s must not be shorter than retry_initial 2h0m0s\n" +
			"d.yaml:25: outbox.give_up_after: give_up_after 1h0m0s must not be shorter than retry_initial 2h0m0s"},
		{"outbox.retry_max", "30m", `d.yaml:24: outbox.retry_max: retry_max 30m0s must not be shorter than retry_initial 1h0m0s`},
		{"outbox.give_up_after", "1s", `d.yaml:25: outbox.give_up_after: give_up_after 1s must not be shorter than retry_initial 1h0m0s`},
		{"outbox.retry_initial", "10ms", `d.yaml:23: outbox.retry_initial: retry_initial must be at least 1s`},
		{"outbox.retry_max", "99999999d", `d.yaml:24: outbox.retry_max: invalid duration "99999999d": more than 36500 days`},
		{"smtp.timeout", "36500d2000000h", `d.yaml:13: smtp.timeout: invalid duration "36500d2000000h": too long`},
	} {
		doc, _ := withDurations(tt.key, tt.value)
		_, err := Parse([]byte(doc), "d.yaml", Options{SkipSecrets: true})
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: %s:\n got %v\nwant %s", tt.key, tt.value, err, tt.want)
		}
	}
}

func TestSizeRanges(t *testing.T) {
	for in, want := range map[string]string{
		"99999999999999999999GB": `invalid size "99999999999999999999GB": too large`,
		"9999999999GB":           `invalid size "9999999999GB": too large`,
		"9223372036854775807":    "",
		"8589934592GiB":          `invalid size "8589934592GiB": too large`,
		"-5MB":                   `invalid size "-5MB" (use e.g. 25MB, 64KB or a byte count)`,
	} {
		_, err := ParseByteSize(in)
		if got := fmt.Sprint(err); want == "" && err != nil || want != "" && got != want {
			t.Errorf("ParseByteSize(%q) = %v, want %q", in, err, want)
		}
	}
	doc, _ := withDurations("", "")
	_, err := Parse([]byte(doc+"limits: {max_header_line: 998, max_text_size: 1KB}\n"), "s.yaml", Options{SkipSecrets: true})
	if want := `s.yaml:28: limits.max_header_line: max_header_line must be at least 1KB; got 998 bytes`; err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	doc = "database: /tmp/x.db\nlimits:\n  max_message_size: 99999999999999999999GB\n"
	_, err = Parse([]byte(doc), "s.yaml", Options{SkipSecrets: true})
	if want := `s.yaml:3: limits.max_message_size: invalid size "99999999999999999999GB": too large`; err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// An unknown key at the top level is named with its file and line, without
// a dangling "in"; one further down names its parent.
func TestUnknownKeys(t *testing.T) {
	for doc, want := range map[string]string{
		"database: /tmp/x.db\nlogging: {level: debug}\n":                `u.yaml:2: unknown key "logging"`,
		"database: /tmp/x.db\nsmtp:\n  host: h\n  hots: x\n":            `u.yaml:4: unknown key "hots" in smtp`,
		"database: /tmp/x.db\nteams: [{name: a, adresses: [a@x.io]}]\n": `u.yaml:2: unknown key "adresses" in teams[0]`,
	} {
		_, err := Parse([]byte(doc), "u.yaml", Options{SkipSecrets: true})
		if err == nil || err.Error() != want {
			t.Errorf("got %v\nwant %s", err, want)
		}
	}
}

// A value of the wrong type names its key path, also when several keys
// share the line.
func TestWrongTypeNamesKeyPath(t *testing.T) {
	for doc, want := range map[string]string{
		"database: /tmp/x.db\nsmtp:\n  port: [1, 2]\n": "w.yaml:3: smtp.port: cannot unmarshal !!seq into int",
		"database: /tmp/x.db\nteams:\n  - name: a\n    hours: {days: [mon], start: \"09:00\", end: \"5pm\", timezone: UTC}\n":            `w.yaml:4: teams[0].hours.end: invalid time of day "5pm" (use HH:MM)`,
		"database: /tmp/x.db\nteams:\n  - name: a\n    hours: {days: [mon, sun-fry], start: \"09:00\", end: \"17:00\", timezone: UTC}\n": `w.yaml:4: teams[0].hours.days: invalid weekday "fry" (use mon, tue, ... or monday, ...)`,
		"database: /tmp/x.db\nrotations:\n  - name: r\n    timezone: [UTC]\n":                                                            "w.yaml:4: rotations[0].timezone: expected a single value, got a list",
		"database: /tmp/x.db\nteams:\n  - name: a\n    hours:\n      days:\n        - mon\n        - fry\n":                              `w.yaml:5: teams[0].hours.days: invalid weekday "fry" (use mon, tue, ... or monday, ...)`,
		"database: /tmp/x.db\nrate_limits: {window: {h: 1}}\n":                                                                           "w.yaml:2: rate_limits.window: expected a duration such as 30s, 15m or 4h",
	} {
		_, err := Parse([]byte(doc), "w.yaml", Options{SkipSecrets: true})
		if err == nil || err.Error() != want {
			t.Errorf("got %v\nwant %s", err, want)
		}
	}
}

func TestFetchBatchRange(t *testing.T) {
	doc, _ := withDurations("", "")
	cfg, err := Parse([]byte(doc), "d.yaml", Options{SkipSecrets: true})
	if err != nil || cfg.Mailboxes[0].FetchBatch != DefaultFetchBatch {
		t.Fatalf("default fetch_batch: %v, %v", cfg, err)
	}
	for _, bad := range []string{"-1", "1001"} {
		d := strings.Replace(doc, "    poll_interval: 1h\n", "    poll_interval: 1h\n    fetch_batch: "+bad+"\n", 1)
		_, err := Parse([]byte(d), "d.yaml", Options{SkipSecrets: true})
		if err == nil || !strings.Contains(err.Error(), "mailboxes[0].fetch_batch: fetch_batch must be between 1 and 1000; got "+bad) {
			t.Errorf("fetch_batch %s: %v", bad, err)
		}
	}
}
