// Package templates renders the mail escalationd sends: one Go text/template
// file per event, embedded in the binary and overridable file by file from
// a directory named in the config (templates.dir).
//
// Every file defines two templates, "subject" and "body", over a Data value
// of plain fields (documented in data.go). Mail is rendered once, when it is
// queued, so a template edit never changes mail already in the outbox.
//
// The mail is written for a busy reader on a phone: a case mail's subject is
// the case's ("case-subject" in common.tmpl, "Re: " on all but the first),
// its first line says what happened, what to do and by when, the commands
// follow within 15 lines, the details come last. Times are written by
// Data's methods (At, When, Late) in the company's zone, relative to
// Data.Now: templates never read the clock. testdata/golden holds every
// template rendered for four cases.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"escalationd/vocab"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/template"
	"time"
)

//go:embed mail/*.tmpl
var embedded embed.FS

// Set is a parsed, validated set of templates.
type Set struct {
	byName map[vocab.Template]*template.Template
	// Overridden lists the names taken from the override directory.
	Overridden []string
}

// Load parses the embedded templates and, when dir is not empty, every
// NAME.tmpl in dir that replaces one of them. Unknown files in dir are an
// error (a misspelt override would otherwise be silently ignored), and so is
// an override that does not define both "subject" and "body".
func Load(dir string) (*Set, error) {
	s := &Set{byName: map[vocab.Template]*template.Template{}}
	for _, name := range vocab.Templates {
		src, err := fs.ReadFile(embedded, "mail/"+string(name)+".tmpl")
		if err != nil {
			return nil, fmt.Errorf("embedded template %s: %w", name, err)
		}
		t, err := parse(name, string(src))
		if err != nil {
			return nil, fmt.Errorf("embedded template %s: %w", name, err)
		}
		s.byName[name] = t
	}
	if dir == "" {
		return s, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("templates dir: %w", err)
	}
	var problems []error
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tmpl") {
			continue
		}
		name := vocab.Template(strings.TrimSuffix(e.Name(), ".tmpl"))
		path := filepath.Join(dir, e.Name())
		if _, ok := s.byName[name]; !ok {
			problems = append(problems, fmt.Errorf("%s: unknown template %q (known: %s)", path, name, strings.Join(vocab.TemplateNames(), ", ")))
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		t, err := parse(name, string(src))
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", path, err))
			continue
		}
		// Render against sample data now, so a broken override fails at
		// startup, not at 3 a.m. on the first breach.
		if _, _, err := render(t, Sample(name)); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", path, err))
			continue
		}
		s.byName[name] = t
		s.Overridden = append(s.Overridden, string(name))
	}
	sort.Strings(s.Overridden)
	return s, errors.Join(problems...)
}

// common holds the shared blocks (fields, commands, confidential) every
// template may use.
var common = func() string {
	b, err := fs.ReadFile(embedded, "mail/common.tmpl")
	if err != nil {
		panic(err) // embedded at build time
	}
	return string(b)
}()

func parse(name vocab.Template, src string) (*template.Template, error) {
	t, err := template.New(string(name)).Option("missingkey=error").Funcs(funcs).Parse(common)
	if err != nil {
		return nil, err
	}
	if t, err = t.Parse(src); err != nil {
		return nil, err
	}
	for _, part := range []string{"subject", "body"} {
		if t.Lookup(part) == nil {
			return nil, fmt.Errorf("template %s does not define %q", name, part)
		}
	}
	return t, nil
}

// Render produces the subject (one line) and body of the named template.
func (s *Set) Render(name vocab.Template, d Data) (subject, body string, err error) {
	t, ok := s.byName[name]
	if !ok {
		return "", "", fmt.Errorf("unknown template %q", name)
	}
	subject, body, err = render(t, d)
	if err != nil {
		return "", "", fmt.Errorf("render %s: %w", name, err)
	}
	return subject, body, nil
}

func render(t *template.Template, d Data) (string, string, error) {
	var sb, bb bytes.Buffer
	if err := t.ExecuteTemplate(&sb, "subject", d); err != nil {
		return "", "", err
	}
	if err := t.ExecuteTemplate(&bb, "body", d); err != nil {
		return "", "", err
	}
	subject := strings.Join(strings.Fields(sb.String()), " ")
	body := strings.TrimLeft(bb.String(), "\n")
	return subject, body, nil
}

var funcs = template.FuncMap{
	"upper": strings.ToUpper,
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 MST")
	},
	"duration": func(d time.Duration) string {
		d = d.Round(time.Minute)
		switch {
		case d >= 24*time.Hour && d%(24*time.Hour) == 0:
			return fmt.Sprintf("%dd", d/(24*time.Hour))
		case d >= time.Hour && d%time.Hour == 0:
			return fmt.Sprintf("%dh", d/time.Hour)
		case d >= time.Hour:
			return fmt.Sprintf("%dh%02dm", d/time.Hour, (d%time.Hour)/time.Minute)
		}
		return fmt.Sprintf("%dm", d/time.Minute)
	},
	"join": strings.Join,
	// human writes a config name for people: senior_support → senior support.
	"human": func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	// commands lists the reply commands, one "SYNTAX  what it does" line
	// each, in vocab's order: all of them, or only those named. CSAT is
	// listed only when named: the resolution mail asks the agent for it.
	"commands": func(only ...string) []string {
		var out []string
		for _, c := range vocab.Commands {
			if len(only) > 0 && !slices.Contains(only, string(c)) || len(only) == 0 && c == vocab.CmdCSAT {
				continue
			}
			syntax, does := c.Usage()
			out = append(out, fmt.Sprintf("%-17s %s", syntax, does))
		}
		return out
	},
	// short cuts s to n characters with "…", for a subject that must
	// stay readable in a phone's list.
	"short": func(n int, s string) string {
		r := []rune(s)
		if len(r) <= n {
			return s
		}
		return strings.TrimSpace(string(r[:n-1])) + "…"
	},
	// span writes a duration in words: "4 hours", "1 hour 5 minutes".
	"span": Span,
	// every writes a period: "every 4 hours", "every day".
	"every": Every,
	"inc":   func(i int) int { return i + 1 },
	"indent": func(prefix, s string) string {
		lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
		for i, l := range lines {
			lines[i] = prefix + l
		}
		return strings.Join(lines, "\n")
	},
}
