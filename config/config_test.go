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
}
