package mailtest

import (
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func TestIMAPMem(t *testing.T) {
	m := StartIMAPMem(t, IMAPMemOptions{Users: []string{"escalations"}})
	if uid := m.Append(t, "escalations", "INBOX", Escalation(EscalationOpts{})); uid != 1 {
		t.Errorf("Append: uid %d, want 1", uid)
	}
	if got := m.Mailboxes(t, "escalations"); !slices.Equal(got, []string{"INBOX"}) {
		t.Errorf("Mailboxes = %v, want only INBOX", got)
	}

	c := login(t, m.Addr(), "escalations", DefaultPassword)
	if !c.Caps().Has(imap.CapMove) {
		t.Errorf("caps = %v, want MOVE", c.Caps())
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != 1 || sel.UIDValidity == 0 {
		t.Errorf("SELECT = %+v", sel)
	}
	seen := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen}}
	if err := c.Store(imap.UIDSetNum(1), seen, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Create("Processed", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Move(imap.UIDSetNum(1), "Processed").Wait(); err != nil {
		t.Fatal(err)
	}
	msgs := m.Messages(t, "escalations", "Processed")
	if len(msgs) != 1 || !msgs[0].HasFlag(imap.FlagSeen) || msgs[0].Subject != "ESCALATION: TICKET-1042" ||
		msgs[0].MessageID != "ticket-1042@helpdesk.craudiovizai.com" {
		t.Errorf("Processed = %+v", msgs)
	}
	if n := len(m.Messages(t, "escalations", "INBOX")); n != 0 {
		t.Errorf("INBOX has %d messages after the move", n)
	}
	st, err := m.User(t, "escalations").Status("Processed", &imap.StatusOptions{NumMessages: true})
	if err != nil || *st.NumMessages != 1 {
		t.Errorf("User.Status = %+v, %v", st, err)
	}
	// Append creates a missing mailbox.
	m.Append(t, "escalations", "Archive/2025", Escalation(EscalationOpts{}))
	if got := m.Mailboxes(t, "escalations"); !slices.Equal(got, []string{"Archive/2025", "INBOX", "Processed"}) {
		t.Errorf("Mailboxes = %v", got)
	}
}

func TestIMAPMemDisableMove(t *testing.T) {
	m := StartIMAPMem(t, IMAPMemOptions{Users: []string{"escalations"}, Mailboxes: []string{"Processed"}, DisableMove: true})
	uid := m.Append(t, "escalations", "INBOX", Escalation(EscalationOpts{}))
	c := login(t, m.Addr(), "escalations", DefaultPassword)
	if caps := c.Caps(); caps.Has(imap.CapMove) || !caps.Has(imap.CapUIDPlus) {
		t.Errorf("caps = %v, want UIDPLUS without MOVE", caps)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	// The fallback works...
	if _, err := c.Move(imap.UIDSetNum(imap.UID(uid)), "Processed").Wait(); err != nil {
		t.Fatal(err)
	}
	if n := len(m.Messages(t, "escalations", "Processed")); n != 1 {
		t.Errorf("Processed has %d messages after the fallback move", n)
	}
	// ...and a MOVE command itself is refused.
	conn, err := net.Dial("tcp", m.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	reply := rawIMAP(t, conn, "a LOGIN escalations secret", "b SELECT Processed", "c UID MOVE 1 INBOX")
	if !strings.Contains(reply, "c BAD") {
		t.Errorf("MOVE without the capability: %q", reply)
	}
}

// rawIMAP sends tagged commands one by one and returns all responses.
func rawIMAP(t *testing.T, conn net.Conn, cmds ...string) string {
	t.Helper()
	var out strings.Builder
	buf := make([]byte, 4096)
	readUntil := func(prefix string) {
		for !strings.Contains(out.String(), prefix) {
			n, err := conn.Read(buf)
			if err != nil {
				t.Fatalf("read: %v (got %q)", err, out.String())
			}
			out.Write(buf[:n])
		}
	}
	readUntil("\r\n") // greeting
	for _, c := range cmds {
		if _, err := conn.Write([]byte(c + "\r\n")); err != nil {
			t.Fatal(err)
		}
		tag := strings.Fields(c)[0]
		readUntil("\r\n" + tag + " ")
		readUntil("\r\n")
	}
	return out.String()
}

func TestIMAPMemSetDown(t *testing.T) {
	m := StartIMAPMem(t, IMAPMemOptions{Users: []string{"escalations"}})
	c := login(t, m.Addr(), "escalations", DefaultPassword)
	m.SetDown(true)
	if err := c.Noop().Wait(); err == nil {
		t.Error("NOOP on a cut session succeeded")
	}
	if conn, err := net.Dial("tcp", m.Addr()); err == nil {
		conn.Close()
		t.Error("dial while down succeeded")
	}
	m.Append(t, "escalations", "INBOX", Escalation(EscalationOpts{})) // mail arrives meanwhile
	m.SetDown(false)
	if n := len(m.Messages(t, "escalations", "INBOX")); n != 1 {
		t.Errorf("after the outage INBOX has %d messages, want 1", n)
	}
}

// login opens an IMAP session that is closed when the test ends.
func login(t *testing.T, addr, user, password string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(user, password).Wait(); err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return c
}
