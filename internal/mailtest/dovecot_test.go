package mailtest

import (
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
)

func TestDovecot(t *testing.T) {
	t.Parallel()
	d := StartDovecot(t, "escalations")
	raw := Escalation(EscalationOpts{Subject: "ESCALATION: TICKET-7 Grüße"})
	if uid := d.Append(t, "escalations", "INBOX", raw); uid != 1 {
		t.Errorf("first Append: uid %d, want 1", uid)
	}
	msgs := d.Messages(t, "escalations", "INBOX")
	if len(msgs) != 1 || msgs[0].UID != 1 || msgs[0].Subject != "ESCALATION: TICKET-7 Grüße" ||
		msgs[0].MessageID != "ticket-1042@helpdesk.craudiovizai.com" || len(msgs[0].Flags) != 0 {
		t.Errorf("Messages = %+v", msgs)
	}
	if got := d.Mailboxes(t, "escalations"); !slices.Equal(got, []string{"INBOX"}) {
		t.Errorf("Mailboxes = %v, want only INBOX (Processed and Rejected are the client's job)", got)
	}

	c := login(t, d.Addr(), "escalations", DefaultPassword)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	seen := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen}}
	if err := c.Store(imap.UIDSetNum(1), seen, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if msgs := d.Messages(t, "escalations", "INBOX"); !msgs[0].HasFlag(imap.FlagSeen) {
		t.Errorf("after STORE +FLAGS \\Seen: %+v", msgs)
	}

	// A new UIDVALIDITY makes Dovecot drop sessions that have the mailbox
	// selected ("IMAP session state is inconsistent, please relogin").
	d.SetUIDValidity(t, "escalations", "INBOX", 4242)
	if st := d.Status(t, "escalations", "INBOX"); st.UIDValidity != 4242 || st.Messages != 1 || st.UIDNext != 2 || st.Unseen != 0 {
		t.Errorf("Status after SetUIDValidity = %+v", st)
	}
	if err := c.Noop().Wait(); err == nil {
		t.Error("NOOP after a UIDVALIDITY change succeeded; expected Dovecot to drop the session")
	}

	d.AddUser(t, "late", "pw")
	login(t, d.Addr(), "late", "pw")

	addr := d.Addr()
	d.Stop(t)
	if conn, err := net.Dial("tcp", addr); err == nil {
		conn.Close()
		t.Fatal("dial after Stop succeeded")
	}
	d.Restart(t)
	if d.Addr() != addr {
		t.Errorf("Addr after Restart = %s, want %s", d.Addr(), addr)
	}
	if msgs := d.Messages(t, "escalations", "INBOX"); len(msgs) != 1 {
		t.Errorf("after Restart: %+v", msgs)
	}
	if uid := d.Append(t, "escalations", "INBOX", raw); uid != 2 {
		t.Errorf("Append after Restart: uid %d, want 2", uid)
	}
	if !strings.Contains(d.Log(), "starting up") {
		t.Errorf("Log lacks the startup line:\n%s", d.Log())
	}
}

func TestDovecotDisableMove(t *testing.T) {
	t.Parallel()
	d := StartDovecotWith(t, DovecotOptions{Users: []string{"escalations"}, DisableMove: true})
	uid := d.Append(t, "escalations", "INBOX", Escalation(EscalationOpts{}))
	c := login(t, d.Addr(), "escalations", DefaultPassword)
	if caps := c.Caps(); caps.Has(imap.CapMove) || !caps.Has(imap.CapUIDPlus) {
		t.Errorf("capabilities after login = %v, want UIDPLUS without MOVE", caps)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Create("Processed", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	// go-imap's Move falls back to COPY + STORE \Deleted + UID EXPUNGE.
	if _, err := c.Move(imap.UIDSetNum(imap.UID(uid)), "Processed").Wait(); err != nil {
		t.Fatal(err)
	}
	if n := len(d.Messages(t, "escalations", "INBOX")); n != 0 {
		t.Errorf("INBOX has %d messages after the move", n)
	}
	if msgs := d.Messages(t, "escalations", "Processed"); len(msgs) != 1 || msgs[0].HasFlag(imap.FlagDeleted) {
		t.Errorf("Processed after the move: %+v", msgs)
	}
}

// TestDovecotCapsNoMove checks that the capability list used for
// DisableMove is the installed Dovecot's list without MOVE.
func TestDovecotCapsNoMove(t *testing.T) {
	t.Parallel()
	d := SharedDovecot(t)
	c := login(t, d.Addr(), d.NewUser(t), DefaultPassword)
	var live []string
	for cp := range c.Caps() {
		if cp != imap.CapMove {
			live = append(live, string(cp))
		}
	}
	want := strings.Fields(dovecotCapsNoMove)
	slices.Sort(live)
	slices.Sort(want)
	if !slices.Equal(live, want) {
		t.Errorf("Dovecot's capabilities changed; update dovecotCapsNoMove.\nlive minus MOVE: %v\nlisted:          %v", live, want)
	}
}

func TestSharedDovecot(t *testing.T) {
	t.Parallel()
	d := SharedDovecot(t)
	if d2 := SharedDovecot(t); d2 != d {
		t.Error("SharedDovecot started a second instance")
	}
	u1, u2 := d.NewUser(t), d.NewUser(t)
	if u1 == u2 {
		t.Fatalf("NewUser returned %q twice", u1)
	}
	d.Append(t, u1, "INBOX", Escalation(EscalationOpts{}))
	if n := len(d.Messages(t, u1, "INBOX")); n != 1 {
		t.Errorf("%s has %d messages, want 1", u1, n)
	}
	if n := len(d.Messages(t, u2, "INBOX")); n != 0 {
		t.Errorf("%s has %d messages, want 0", u2, n)
	}
}
