package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"escalationd/app"
)

func onCallCmd(_ context.Context, env Env, args []string) error {
	fs := NewFlagSet("oncall", env.Stderr)
	cfgPath := configFlag(fs, "")
	rotation := fs.String("rotation", "", "rotation `NAME` (default: the first)")
	at := fs.String("at", "", "RFC 3339 `time` (default: now)")
	asJSON := fs.Bool("json", false, `print {"name", "address", "until"} as JSON`)
	pos, err := ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := NoArgs("oncall", pos); err != nil {
		return err
	}
	t, err := parseTime(*at)
	if err != nil {
		return err
	}
	return OnCall(env.Stdout, OnCallOptions{ConfigPath: *cfgPath, Rotation: *rotation, At: t, JSON: *asJSON})
}

// OnCallOptions are the inputs of `escalationd oncall`.
type OnCallOptions struct {
	ConfigPath string
	Rotation   string // default: the first rotation
	At         time.Time
	JSON       bool
}

// OnCall prints who is on call at a time and until when.
func OnCall(w io.Writer, o OnCallOptions) error {
	if o.ConfigPath == "" {
		return &UsageError{Msg: "oncall needs --config FILE"}
	}
	c, err := policyConfig(o.ConfigPath)
	if err != nil {
		return err
	}
	sched := c.Schedule
	name := o.Rotation
	if name == "" {
		names := sched.Names()
		if len(names) == 0 {
			return &app.ConfigError{Err: errors.New("the config has no rotations")}
		}
		name = names[0]
	}
	at := o.At
	if at.IsZero() {
		at = time.Now()
	}
	shift, err := sched.OnCall(name, at)
	if err != nil {
		return &UsageError{Msg: err.Error()}
	}
	if o.JSON {
		return writeJSONCompact(w, struct {
			Name    string `json:"name"`
			Address string `json:"address"`
			Until   string `json:"until"`
		}{shift.Name, shift.Address, shift.Until.Format(time.RFC3339)})
	}
	extra := ""
	if shift.Override {
		extra = " (override"
		if shift.Reason != "" {
			extra += ": " + shift.Reason
		}
		extra += ")"
	}
	_, err = fmt.Fprintf(w, "%s <%s> is on call in %s until %s%s\n", shift.Name, shift.Address, name, shift.Until.Format(time.RFC3339), extra)
	return err
}
