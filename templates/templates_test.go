package templates

import (
	"escalationd/vocab"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEmbeddedTemplatesRender(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range vocab.Templates {
		subject, body, err := s.Render(name, Sample(name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if subject == "" || strings.ContainsAny(subject, "\r\n") {
			t.Errorf("%s: subject %q must be one non-empty line", name, subject)
		}
		if strings.TrimSpace(body) == "" {
			t.Errorf("%s: empty body", name)
		}
	}
}

func TestRoutedRestatesFieldsAndCommands(t *testing.T) {
	s, _ := Load("")
	d := Sample("routed")
	subject, body, err := s.Render("routed", d)
	if err != nil {
		t.Fatal(err)
	}
	if subject != "ESCALATION: [TCK-1234] [Critical] Payment processing down" {
		t.Errorf("subject = %q", subject)
	}
	for _, want := range []string{"Customer: jane.doe@example.com", "Issue: Payment processing down", "  1. Open checkout", "  2. Pay", "ACK", "RESOLVED <note>", "Escalated to Legal"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
}

func TestConfidentialWarning(t *testing.T) {
	s, _ := Load("")
	d := Sample("routed")
	_, body, _ := s.Render("routed", d)
	if strings.Contains(body, "CONFIDENTIAL") {
		t.Fatal("non-confidential case says CONFIDENTIAL")
	}
	d.Case.Confidential = true
	_, body, _ = s.Render("routed", d)
	if !strings.Contains(body, "CONFIDENTIAL: do not contact the customer") {
		t.Fatalf("confidential case lacks the warning:\n%s", body)
	}
}

func TestOverrideDirectory(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("thanks.tmpl", `{{define "subject"}}Merci [{{.Case.Ticket}}]{{end}}{{define "body"}}Merci {{.Resolution.By}}{{end}}`)
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	subject, body, _ := s.Render("thanks", Sample("thanks"))
	if subject != "Merci [TCK-1234]" || body != "Merci eng@example.com" {
		t.Fatalf("override not used: %q %q", subject, body)
	}
	if len(s.Overridden) != 1 || s.Overridden[0] != "thanks" {
		t.Fatalf("Overridden = %v", s.Overridden)
	}

	cases := map[string]string{
		"thank.tmpl":  `{{define "subject"}}x{{end}}{{define "body"}}x{{end}}`, // misspelt name
		"thanks.tmpl": `{{define "subject"}}x{{end}}`,                          // no body
		"routed.tmpl": `{{define "subject"}}{{.Case.Nope}}{{end}}{{define "body"}}x{{end}}`,
		"breach.tmpl": `{{define "subject"}}{{.Case.Ticket{{end}}`,
	}
	for file, src := range cases {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, file), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(d); err == nil || !strings.Contains(err.Error(), file) {
			t.Errorf("%s: want an error naming the file, got %v", file, err)
		}
	}
}
