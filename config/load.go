package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Env looks up an environment variable; it is a parameter so tests and the
// fuzzer never depend on the real environment.
type Env func(name string) (string, bool)

// Options tune loading. The zero value resolves secrets from the process
// environment.
type Options struct {
	// Env looks up password_env and CREDENTIALS_DIRECTORY; nil means
	// os.LookupEnv.
	Env Env
	// SkipSecrets leaves passwords unresolved: for commands that only use
	// the policy (parse, route, oncall, simulate) on a machine without the
	// daemon's secret files.
	SkipSecrets bool
	// SecretSources, with SkipSecrets, still checks that every password
	// has exactly one source, without reading it (check-config --offline).
	SecretSources bool
	// Checks compile the parts of the config other packages own, such as
	// router.Compile (teams, rotations, routes) and sla.CheckPolicy: the
	// rules that need more than one value live there, not here. They run
	// after the config's own checks; their problems (placed with Problem or
	// Problems) join the report in file order. check-config passes them
	// all.
	Checks []func(*Config) error
}

// Load reads, decodes, defaults, resolves secrets for and validates the file
// at path. The returned error lists every problem found, each prefixed with
// "path:line:". On error the Config is still returned when the file could be
// decoded, so callers can report partial results.
func Load(path string, opts Options) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(data, path, opts)
}

// Parse is Load for bytes already read; path is used in messages and to
// resolve relative file names.
func Parse(data []byte, path string, opts Options) (*Config, error) {
	cfg, err := decode(data, path)
	if err != nil {
		return nil, err
	}
	cfg.ApplyDefaults()
	cfg.resolvePaths()
	var problems []error
	if !opts.SkipSecrets {
		env := opts.Env
		if env == nil {
			env = os.LookupEnv
		}
		problems = append(problems, cfg.resolveSecrets(env)...)
		problems = append(problems, cfg.resolveHTTPToken()...)
	} else if opts.SecretSources {
		problems = append(problems, cfg.checkSecretSources()...)
	}
	problems = append(problems, cfg.loadHolidays()...)
	problems = append(problems, cfg.validate()...)
	for _, check := range opts.Checks {
		problems = append(problems, flatten(check(cfg))...)
	}
	cfg.SortProblems(problems)
	return cfg, errors.Join(problems...)
}

// decode is the strict YAML step: unknown keys and type mismatches are
// errors with the file's line numbers.
func decode(data []byte, path string) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(path, err, nil, nil)
	}
	pos, vals := indexPositions(&root)
	cfg := &Config{Path: path, pos: pos}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: config file is empty", path)
		}
		return nil, yamlError(path, err, pos, vals)
	}
	return cfg, nil
}

var (
	yamlLineRe    = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	yamlColumnRe  = regexp.MustCompile(`^column (\d+): (.*)$`)
	yamlUnknownRe = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
)

// yamlError rewrites yaml.v3's "line N: ..." messages as "file:N: ...", one
// per problem, naming unknown keys plainly and a bad value's key path the
// way Problem does.
func yamlError(path string, err error, pos positions, vals values) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var out []error
	for _, m := range msgs {
		m = strings.TrimPrefix(m, "yaml: ")
		sm := yamlLineRe.FindStringSubmatch(m)
		if sm == nil {
			out = append(out, fmt.Errorf("%s: %s", path, m))
			continue
		}
		line, _ := strconv.Atoi(sm[1])
		msg := sm[2]
		// Our own UnmarshalYAML errors carry "line N: " a second time.
		if inner := yamlLineRe.FindStringSubmatch(msg); inner != nil {
			msg = inner[2]
		}
		unknown := yamlUnknownRe.FindStringSubmatch(msg)
		var key string
		if unknown != nil {
			key = pos.pathAt(line, unknown[1])
		} else {
			key = pos.pathAt(line, "")
		}
		if c := yamlColumnRe.FindStringSubmatch(msg); c != nil {
			col, _ := strconv.Atoi(c[1])
			msg = c[2]
			if p, ok := vals[[2]int{line, col}]; ok {
				// At the key's line, as Problem reports: a block list
				// starts on the line after its key.
				key, line = p, pos.line(p)
			}
		}
		switch {
		case unknown != nil:
			msg = fmt.Sprintf("unknown key %q", unknown[1])
			if parent := parentPath(key); parent != "" {
				msg = fmt.Sprintf("unknown key %q in %s", unknown[1], parent)
			}
		case key != "":
			msg = key + ": " + msg
		}
		out = append(out, fmt.Errorf("%s:%d: %s", path, line, msg))
	}
	return errors.Join(out...)
}

// resolveSecrets reads every password from its source into Password.
func (c *Config) resolveSecrets(env Env) []error {
	var problems []error
	for i := range c.Mailboxes {
		p := fmt.Sprintf("mailboxes[%d]", i)
		m := &c.Mailboxes[i]
		if err := m.resolve(c.dir(), env, m.Auth == AuthLogin); err != nil {
			problems = append(problems, c.Problem(m.keyPath(p), "%v", err))
		}
		if m.OAuth2 != nil {
			problems = append(problems, c.Problems("", errors.Join(m.OAuth2.resolve(c.dir(), p+".oauth2")...))...)
		}
	}
	if err := c.SMTP.resolve(c.dir(), env, c.SMTP.Username != "" && c.SMTP.Auth == AuthLogin); err != nil {
		problems = append(problems, c.Problem(c.SMTP.keyPath("smtp"), "%v", err))
	}
	if c.SMTP.OAuth2 != nil {
		problems = append(problems, c.Problems("", errors.Join(c.SMTP.OAuth2.resolve(c.dir(), "smtp.oauth2")...))...)
	}
	return problems
}

// checkSecretSources is resolveSecrets without reading anything: each
// password must have exactly one source.
func (c *Config) checkSecretSources() []error {
	var problems []error
	for i := range c.Mailboxes {
		p := fmt.Sprintf("mailboxes[%d]", i)
		if err := c.Mailboxes[i].checkSources(true); err != nil {
			problems = append(problems, c.Problem(c.Mailboxes[i].keyPath(p), "%v", err))
		}
	}
	if err := c.SMTP.checkSources(c.SMTP.Username != ""); err != nil {
		problems = append(problems, c.Problem(c.SMTP.keyPath("smtp"), "%v", err))
	}
	return problems
}

// keyPath is the path of the key that set the secret, so a problem points at
// the line to fix.
func (s *SecretRef) keyPath(parent string) string {
	switch {
	case s.PasswordFile != "":
		return parent + ".password_file"
	case s.PasswordEnv != "":
		return parent + ".password_env"
	case s.PasswordCredential != "":
		return parent + ".password_credential"
	case s.Password != "":
		return parent + ".password"
	}
	return parent
}

// resolvePaths makes the file names in the config relative to the config
// file, as password_file is, whatever the daemon's working directory.
func (c *Config) resolvePaths() {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(c.dir(), *p)
		}
	}
	for i := range c.Mailboxes {
		abs(&c.Mailboxes[i].TLSCAFile)
	}
	abs(&c.SMTP.TLSCAFile)
	abs(&c.Templates.Dir)
	abs(&c.HolidaysFile)
}

func (c *Config) dir() string {
	if c.Path == "" {
		return "."
	}
	return filepath.Dir(c.Path)
}

// sources counts the configured sources of the secret.
func (s *SecretRef) sources() int {
	n := 0
	for _, set := range []bool{s.Password != "", s.PasswordFile != "", s.PasswordEnv != "", s.PasswordCredential != ""} {
		if set {
			n++
		}
	}
	return n
}

// checkSources refuses more than one source, or none for a required secret.
func (s *SecretRef) checkSources(required bool) error {
	switch n := s.sources(); {
	case n > 1:
		return errors.New("set only one of password, password_file, password_env, password_credential")
	case n == 0 && required:
		return errors.New("missing password: set password_file, password_env or password_credential")
	}
	return nil
}

// resolve reads the secret from the one configured source.
func (s *SecretRef) resolve(dir string, env Env, required bool) error {
	if err := s.checkSources(required); err != nil {
		return err
	}
	sources := s.sources()
	switch {
	case s.PasswordFile != "":
		f := s.PasswordFile
		if !filepath.IsAbs(f) {
			f = filepath.Join(dir, f)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("cannot read the password: %w", err)
		}
		s.Password = Secret(strings.TrimRight(string(b), "\r\n"))
	case s.PasswordEnv != "":
		v, ok := env(s.PasswordEnv)
		if !ok || v == "" {
			return fmt.Errorf("environment variable %s is not set", s.PasswordEnv)
		}
		s.Password = Secret(v)
	case s.PasswordCredential != "":
		d, ok := env("CREDENTIALS_DIRECTORY")
		if !ok || d == "" {
			return fmt.Errorf("CREDENTIALS_DIRECTORY is not set (use LoadCredential= in the unit)")
		}
		b, err := os.ReadFile(filepath.Join(d, s.PasswordCredential))
		if err != nil {
			return fmt.Errorf("cannot read the credential: %w", err)
		}
		s.Password = Secret(strings.TrimRight(string(b), "\r\n"))
	}
	if sources > 0 && s.Password == "" {
		return errors.New("password is empty")
	}
	return nil
}

// flatten lists the errors of an errors.Join tree.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}
