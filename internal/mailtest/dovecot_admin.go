package mailtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Doveadm runs doveadm with this instance's config (-c is always passed, or
// doveadm would use the system's) and returns its output.
func (d *Dovecot) Doveadm(t testing.TB, args ...string) string {
	t.Helper()
	out, err := d.doveadm(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// doveadmJSON runs doveadm -f json and decodes its list of string maps.
func (d *Dovecot) doveadmJSON(t testing.TB, args ...string) []map[string]string {
	t.Helper()
	out := d.Doveadm(t, append([]string{"-f", "json"}, args...)...)
	var rows []map[string]string
	if strings.TrimSpace(out) == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("doveadm %s: decode %q: %v", strings.Join(args, " "), out, err)
	}
	return rows
}

// Append stores raw in the user's mailbox over IMAP and returns its UID.
// A missing mailbox is created first. The message arrives unseen, as new
// mail does; a client IDLEing on the mailbox hears of it ~0.5 s later.
func (d *Dovecot) Append(t testing.TB, user, mailbox string, raw []byte) uint32 {
	t.Helper()
	var uid uint32
	err := withIMAP(d.Addr(), user, d.password(t, user), func(c *imapclient.Client) error {
		var err error
		uid, err = appendIMAP(c, mailbox, raw)
		return err
	})
	if err != nil {
		t.Fatalf("dovecot: append for %s: %v", user, err)
	}
	return uid
}

// Messages lists the messages of a user's mailbox by UID, read with doveadm
// (no IMAP session, so \Seen and \Recent stay as they are). The mailbox
// must exist.
func (d *Dovecot) Messages(t testing.TB, user, mailbox string) []Msg {
	t.Helper()
	rows := d.doveadmJSON(t, "fetch", "-u", user, "uid flags hdr.subject hdr.message-id", "mailbox", mailbox)
	msgs := make([]Msg, 0, len(rows))
	for _, r := range rows {
		uid, err := strconv.ParseUint(r["uid"], 10, 32)
		if err != nil {
			t.Fatalf("doveadm fetch: bad uid in %v", r)
		}
		m := Msg{
			UID:       uint32(uid),
			Flags:     []imap.Flag{},
			Subject:   decodeHeader(r["hdr.subject"]),
			MessageID: trimMsgID(r["hdr.message-id"]),
		}
		for _, f := range strings.Fields(r["flags"]) {
			if !strings.EqualFold(f, `\Recent`) {
				m.Flags = append(m.Flags, imap.Flag(f))
			}
		}
		msgs = append(msgs, m)
	}
	slices.SortFunc(msgs, func(a, b Msg) int { return int(a.UID) - int(b.UID) })
	return msgs
}

// MailboxStatus is what doveadm mailbox status reports.
type MailboxStatus struct {
	Messages, Unseen, UIDNext, UIDValidity uint32
	HighestModSeq                          uint64
}

// Status returns the counters of a user's mailbox, which must exist.
func (d *Dovecot) Status(t testing.TB, user, mailbox string) MailboxStatus {
	t.Helper()
	rows := d.doveadmJSON(t, "mailbox", "status", "-u", user, "messages unseen uidnext uidvalidity highestmodseq", mailbox)
	if len(rows) != 1 {
		t.Fatalf("doveadm mailbox status %s: want one row, got %v", mailbox, rows)
	}
	r := rows[0]
	num := func(k string) uint64 {
		n, err := strconv.ParseUint(r[k], 10, 64)
		if err != nil {
			t.Fatalf("doveadm mailbox status: bad %s in %v", k, r)
		}
		return n
	}
	return MailboxStatus{
		Messages:      uint32(num("messages")),
		Unseen:        uint32(num("unseen")),
		UIDNext:       uint32(num("uidnext")),
		UIDValidity:   uint32(num("uidvalidity")),
		HighestModSeq: num("highestmodseq"),
	}
}

// Mailboxes returns the names of the user's mailboxes, sorted.
func (d *Dovecot) Mailboxes(t testing.TB, user string) []string {
	t.Helper()
	var names []string
	for _, r := range d.doveadmJSON(t, "mailbox", "list", "-u", user) {
		names = append(names, r["mailbox"])
	}
	slices.Sort(names)
	return names
}

// SetUIDValidity forces a new UIDVALIDITY on a user's mailbox, as after a
// server-side rebuild. Clients must then forget their UID cursor.
func (d *Dovecot) SetUIDValidity(t testing.TB, user, mailbox string, v uint32) {
	t.Helper()
	d.Doveadm(t, "mailbox", "update", "-u", user, "--uid-validity", fmt.Sprint(v), mailbox)
}

// appendIMAP appends raw to mailbox, creating the mailbox when the server
// answers TRYCREATE, and returns the UID from APPENDUID (0 without UIDPLUS).
func appendIMAP(c *imapclient.Client, mailbox string, raw []byte) (uint32, error) {
	uid, err := appendOnce(c, mailbox, raw)
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Code == imap.ResponseCodeTryCreate {
		if err := c.Create(mailbox, nil).Wait(); err != nil {
			return 0, fmt.Errorf("create %s: %w", mailbox, err)
		}
		uid, err = appendOnce(c, mailbox, raw)
	}
	if err != nil {
		return 0, fmt.Errorf("append to %s: %w", mailbox, err)
	}
	return uid, nil
}

func appendOnce(c *imapclient.Client, mailbox string, raw []byte) (uint32, error) {
	cmd := c.Append(mailbox, int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		return 0, err
	}
	if err := cmd.Close(); err != nil {
		return 0, err
	}
	data, err := cmd.Wait()
	if err != nil {
		return 0, err
	}
	return uint32(data.UID), nil
}

// decodeHeader unfolds a raw header value and decodes RFC 2047 words; on a
// decoding error the unfolded raw value is returned.
func decodeHeader(v string) string {
	v = strings.NewReplacer("\r\n", "", "\n", "").Replace(v)
	if d, err := wordDecoder.DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// trimMsgID removes the angle brackets around a Message-ID.
func trimMsgID(v string) string {
	v = strings.TrimSpace(v)
	return strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">")
}

// AppendMany appends every message to the user's mailbox in one session
// (with the mailbox selected, which keeps Dovecot fast on big mailboxes) and
// returns their UIDs in order. The mailbox is created when missing.
func (d *Dovecot) AppendMany(t testing.TB, user, mailbox string, raws [][]byte) []uint32 {
	t.Helper()
	uids, err := d.AppendAll(user, mailbox, raws)
	if err != nil {
		t.Fatal(err)
	}
	return uids
}

// AppendAll is AppendMany returning an error, for programs.
func (d *Dovecot) AppendAll(user, mailbox string, raws [][]byte) ([]uint32, error) {
	pw, err := d.passwordOf(user)
	if err != nil {
		return nil, err
	}
	uids := make([]uint32, 0, len(raws))
	err = withIMAPTimeout(d.Addr(), user, pw, 30*time.Second+time.Duration(len(raws))*100*time.Millisecond, func(c *imapclient.Client) error {
		if _, err := c.Select(mailbox, nil).Wait(); err != nil {
			var ie *imap.Error
			if !errors.As(err, &ie) {
				return err
			}
			if err := c.Create(mailbox, nil).Wait(); err != nil {
				return fmt.Errorf("create %s: %w", mailbox, err)
			}
			if _, err := c.Select(mailbox, nil).Wait(); err != nil {
				return err
			}
		}
		for _, raw := range raws {
			uid, err := appendOnce(c, mailbox, raw)
			if err != nil {
				return fmt.Errorf("append to %s: %w", mailbox, err)
			}
			uids = append(uids, uid)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dovecot: append %d messages for %s: %w", len(raws), user, err)
	}
	return uids, nil
}
