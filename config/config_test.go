package config

import (
	"path/filepath"
	"testing"
)

// TestExampleIsValid keeps the shipped example loading cleanly.
func TestExampleIsValid(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "examples", "helpdesk.yaml"), Options{SkipSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Routes) == 0 || len(cfg.Rotations) == 0 || len(cfg.Categories) == 0 {
		t.Errorf("example lost its routing sections: %d routes, %d rotations, %d categories", len(cfg.Routes), len(cfg.Rotations), len(cfg.Categories))
	}
	// Every person behind a team has a name for mail to call them by.
	for _, team := range cfg.Teams {
		for _, m := range team.Members {
			if m.Name == "" {
				t.Errorf("team %s: member %s has no name", team.Name, m.Address)
			}
		}
	}
	for addr, want := range map[string]string{"sam.senior@craudiovizai.com": "Sam Senior", "roy@craudiovizai.com": "Roy Henderson",
		"alex.rivera@craudiovizai.com": "Alex Rivera", "nina.sorensen@craudiovizai.com": "Nina Sorensen"} {
		if got := cfg.PersonName(addr); got != want {
			t.Errorf("PersonName(%q) = %q, want %q", addr, got, want)
		}
	}
}

// One definition of an internal address: the domain or any subdomain.
func TestIsInternalAddress(t *testing.T) {
	internal := []string{"example.com", "Partner.io"}
	for addr, want := range map[string]bool{
		"a@example.com": true, "a@eu.example.com": true, "A@EU.Example.COM": true, "a@partner.io": true,
		"Ann <a@x.partner.io>": true, "a@notexample.com": false, "a@example.com.evil.io": false, "a@": false, "": false,
	} {
		if got := IsInternalAddress(addr, internal); got != want {
			t.Errorf("IsInternalAddress(%q) = %v", addr, got)
		}
	}
}
