package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"escalationd/app"
	"escalationd/config"
	"escalationd/examples"
	"escalationd/router"
	"escalationd/store"
	"escalationd/vocab"
)

func demoCmd(ctx context.Context, env Env, args []string) error {
	fs := NewFlagSet("demo", env.Stderr)
	verbose := fs.Bool("v", false, "show the daemon's log")
	pos, err := ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := NoArgs("demo", pos); err != nil {
		return err
	}
	o := DemoOptions{}
	if *verbose {
		o.Log = env.Stderr
	}
	return Demo(ctx, env.Stdout, o)
}

// DemoOptions tune the demo.
type DemoOptions struct {
	// Log receives the daemon's log lines (default: discarded).
	Log io.Writer
	// Timeout bounds the whole demo (default 60s).
	Timeout time.Duration
}

// Demo starts an IMAP server and an SMTP sink inside the process, appends
// sample escalations (one malformed, one auto-reply, one outside security
// report), runs the real gateway with the shipped helpdesk config against
// them, prints what was routed to whom and what was rejected, and stops.
func Demo(ctx context.Context, w io.Writer, o DemoOptions) error {
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	logOut := o.Log
	if logOut == nil {
		logOut = io.Discard
	}
	logger := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelInfo}))

	imapSrv, users, imapAddr, err := startDemoIMAP()
	if err != nil {
		return err
	}
	defer imapSrv.Close()
	sink, err := startDemoSMTP()
	if err != nil {
		return err
	}
	defer sink.close()

	dir, err := os.MkdirTemp("", "escalationd-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg, err := demoConfig(filepath.Join(dir, "demo.db"), imapAddr, sink.addr)
	if err != nil {
		return err
	}
	compiled, err := app.Compile(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "escalationd demo: IMAP server on %s, SMTP sink on %s, helpdesk config from examples/helpdesk.yaml\n", imapAddr, sink.addr)

	now := time.Now()
	samples := demoMails(now)
	for _, s := range samples {
		if _, err := users[s.mailbox].Append("INBOX", literal{bytes.NewReader(s.raw), int64(len(s.raw))}, &imap.AppendOptions{}); err != nil {
			return fmt.Errorf("append sample: %w", err)
		}
	}
	fmt.Fprintf(w, "appended %d sample mails to escalations@ and security@; running the gateway...\n\n", len(samples))

	var g *app.Gateway
	started := make(chan struct{})
	done := make(chan error, 1)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		gw, err := app.Start(runCtx, compiled, app.Options{Logger: logger})
		if err != nil {
			done <- err
			return
		}
		g = gw
		close(started)
		<-runCtx.Done()
		gw.Stop()
		done <- nil
	}()
	select {
	case err := <-done:
		return err
	case <-started:
	}
	// Wait until every sample left the inboxes and the outbox is empty.
	for {
		if demoFinished(ctx, g.Store, users, len(samples)) {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo did not finish within %s", o.Timeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := demoReport(ctx, w, g.Store, sink); err != nil {
		return err
	}
	stop()
	return <-done
}

func demoFinished(ctx context.Context, st *store.Store, users map[string]*imapmemserver.User, total int) bool {
	left := 0
	for _, u := range users {
		s, err := u.Status("INBOX", &imap.StatusOptions{NumMessages: true})
		if err != nil || s.NumMessages == nil {
			return false
		}
		left += int(*s.NumMessages)
	}
	counts, err := st.OutboxCounts(ctx)
	if err != nil {
		return false
	}
	msgs, err := st.MessageCounts(ctx)
	if err != nil {
		return false
	}
	handled := 0
	for k, n := range msgs {
		if strings.HasPrefix(k, "handled:") {
			handled += n
		}
	}
	return left == 0 && handled == total && counts[store.MailPending] == 0
}

// demoConfig is the shipped helpdesk config pointed at the local servers.
func demoConfig(db, imapAddr, smtpAddr string) (*config.Config, error) {
	cfg, err := config.Parse(examples.Helpdesk, "examples/helpdesk.yaml", config.Options{SkipSecrets: true})
	if err != nil {
		return nil, err
	}
	ih, ip, _ := net.SplitHostPort(imapAddr)
	sh, sp, _ := net.SplitHostPort(smtpAddr)
	cfg.Database = db
	for i := range cfg.Mailboxes {
		m := &cfg.Mailboxes[i]
		m.Host, m.TLS, m.Password = ih, config.TLSNone, "demo"
		fmt.Sscan(ip, &m.Port)
		m.PollInterval = config.Duration(2 * time.Second)
	}
	cfg.SMTP.Host, cfg.SMTP.TLS, cfg.SMTP.Username, cfg.SMTP.Password = sh, config.TLSNone, "", ""
	fmt.Sscan(sp, &cfg.SMTP.Port)
	cfg.Outbox.RetryInitial = config.Duration(time.Second)
	// The demo runs on the real clock: a review due that day would make
	// its mail count depend on the date. Reviews show in simulate.
	cfg.Reviews = nil
	return cfg, nil
}

func demoReport(ctx context.Context, w io.Writer, st *store.Store, sink *demoSink) error {
	cases, err := st.Cases(ctx, store.CaseFilter{})
	if err != nil {
		return err
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].ID < cases[j].ID })
	fmt.Fprintln(w, "Cases opened and routed:")
	for _, c := range cases {
		// The demo shows the routing decision as the audit recorded it.
		var dec router.Decision
		if err := json.Unmarshal([]byte(c.DecisionJSON), &dec); err != nil {
			return fmt.Errorf("case %s: stored routing decision: %w", c.Ticket, err)
		}
		flags := dec.Flags.String()
		if flags == "none" {
			flags = ""
		}
		if flags != "" {
			flags = "  [" + flags + "]"
		}
		fmt.Fprintf(w, "\n  %s [%s] %s%s\n", c.Ticket, c.Urgency, c.Summary, flags)
		fmt.Fprintf(w, "    rule: %s\n", dec.Rule)
		for _, r := range dec.Recipients {
			fmt.Fprintf(w, "    %-8s %s (%s) %s\n", r.Field+":", r.Address, r.Team, r.Why)
		}
		for _, n := range dec.Notes {
			fmt.Fprintf(w, "    note:    %s\n", n)
		}
	}
	events, err := st.Events(ctx, 0)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nNot routed:")
	for _, e := range events {
		switch e.Type {
		case vocab.EventRejected:
			var d struct {
				Reason  string
				Subject string
				Errors  []struct{ Field, Message string }
			}
			if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
				return fmt.Errorf("event %d: %w", e.ID, err)
			}
			fmt.Fprintf(w, "  rejected %q from %s (%s):\n", d.Subject, e.Actor, d.Reason)
			for _, fe := range d.Errors {
				fmt.Fprintf(w, "    - %s: %s\n", fe.Field, fe.Message)
			}
		case vocab.EventRejectionReply:
			fmt.Fprintf(w, "    -> one reply to %s naming each problem, with the template pre-filled to correct and resend\n", e.Actor)
		case vocab.EventIgnored:
			fmt.Fprintf(w, "  ignored  from %s: %s (never answered)\n", e.Actor, e.Detail)
		}
	}
	fmt.Fprintf(w, "\nThe SMTP sink received %d mails; every source mail was moved to Processed or Rejected.\n", sink.count())
	return nil
}
