package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestICalendarDates(t *testing.T) {
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" +
		"BEGIN:VEVENT\r\nSUMMARY:Thanksgiving\r\nDTSTART;VALUE=DATE:20261126\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nSUMMARY:Winter break, a long\r\n  summary folded\r\nDTSTART;VALUE=DATE:20261230\r\nDTEND;VALUE=DATE:20270102\r\nEND:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	dates, err := ParseICalendarDates([]byte(ics))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range dates {
		got = append(got, d.String())
	}
	if strings.Join(got, " ") != "2026-11-26 2026-12-30 2026-12-31 2027-01-01" {
		t.Errorf("dates = %v", got)
	}
	for ics, want := range map[string]string{
		"BEGIN:VEVENT\nSUMMARY:Standup\nDTSTART:20261126T090000Z\nEND:VEVENT\n":                            "not an all-day date",
		"BEGIN:VEVENT\nSUMMARY:Every Monday\nDTSTART;VALUE=DATE:20261130\nRRULE:FREQ=WEEKLY\nEND:VEVENT\n": "repeats (RRULE)",
		"BEGIN:VEVENT\nSUMMARY:x\nDTSTART;VALUE=DATE:20261130\n":                                           "VEVENT without END",
		"BEGIN:VCALENDAR\nEND:VCALENDAR\n":                                                                 "no all-day events",
		"BEGIN:VEVENT\nDTSTART;VALUE=DATE:20261332\nEND:VEVENT\n":                                          "invalid date",
	} {
		if _, err := ParseICalendarDates([]byte(ics)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", ics, err, want)
		}
	}
}

// Company holidays come from the list and the iCalendar file together;
// a team's hours keep their own.
func TestHolidaysLoad(t *testing.T) {
	dir := t.TempDir()
	base, err := os.ReadFile(filepath.Join("testdata", "gateway", "base.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ics := "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261225\nEND:VEVENT\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261126\nEND:VEVENT\nEND:VCALENDAR\n"
	if err := os.WriteFile(filepath.Join(dir, "us.ics"), []byte(ics), 0o600); err != nil {
		t.Fatal(err)
	}
	doc := string(base) + "\nholidays: [\"2026-11-26\", \"2026-07-03\"]\nholidays_file: us.ics\n"
	cfg, err := Parse([]byte(doc), filepath.Join(dir, "c.yaml"), Options{Env: env(map[string]string{"ESC_IMAP_PASSWORD": "x"})})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range cfg.CompanyHolidays() {
		got = append(got, d.String())
	}
	if strings.Join(got, " ") != "2026-07-03 2026-11-26 2026-12-25" {
		t.Errorf("CompanyHolidays = %v", got)
	}

	bad := string(base) + "\nholidays: [\"26.11.2026\"]\nholidays_file: missing.ics\n"
	_, err = Parse([]byte(bad), filepath.Join(dir, "c.yaml"), Options{Env: env(map[string]string{"ESC_IMAP_PASSWORD": "x"})})
	if err == nil || !strings.Contains(err.Error(), `invalid date "26.11.2026"`) {
		t.Errorf("bad holidays: %v", err)
	}
	bad = string(base) + "\nholidays_file: /dev/zero\n"
	_, err = Parse([]byte(bad), filepath.Join(dir, "c.yaml"), Options{Env: env(map[string]string{"ESC_IMAP_PASSWORD": "x"})})
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("device as holidays file: %v", err)
	}
	bad = string(base) + "\nholidays_file: missing.ics\n"
	_, err = Parse([]byte(bad), filepath.Join(dir, "c.yaml"), Options{Env: env(map[string]string{"ESC_IMAP_PASSWORD": "x"})})
	if err == nil || !strings.Contains(err.Error(), "holidays_file: read holidays file") || !strings.Contains(err.Error(), "c.yaml:") {
		t.Errorf("missing holidays file: %v", err)
	}
}
