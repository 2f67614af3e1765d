package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"escalationd/internal/mailtest"
)

// tmpfs mounts a small tmpfs at dir for the test (root only) and unmounts
// it at the end.
func tmpfs(t *testing.T, dir, size string) {
	t.Helper()
	mailtest.Require(t, "root privileges to mount a tmpfs", os.Geteuid() == 0, "run the tests as root")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput()
	mailtest.Require(t, "mount -t tmpfs", err == nil, "run the tests as root on a machine that allows mounts ("+strings.TrimSpace(string(out))+")")
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
}

// fill writes a file in dir until the file system is full and returns a
// function that deletes it again.
func fill(t *testing.T, dir string) func() {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %s: %v", dir, err)
			}
			break
		}
	}
	// Whatever a short write left: fill to the last byte.
	for {
		if _, err := f.Write(buf[:512]); err != nil {
			break
		}
	}
	for {
		if _, err := f.Write(buf[:1]); err != nil {
			break
		}
	}
	f.Close()
	return func() {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
}

// The database's disk fills up under the running daemon. Mail that cannot
// be stored is not acknowledged on the IMAP server (it stays in INBOX,
// unseen) and is handled once the disk has room again; mail accepted by
// the SMTP server while its "sent" mark cannot be written is not sent
// again and again. Each escalation sends two mails: the routed one and a
// receipt to the agent.
func TestOutageDatabaseDiskFull(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{edit: fastRetries})
	e.dbDir = filepath.Join(e.dir, "db")
	tmpfs(t, e.dbDir, "4m")
	e.writeConfig(e.extra)
	d := e.start()
	tks := e.tickets("DBFULL-A", 1)
	e.waitFolder(e.escUser, "Processed", 1, 15*time.Second)
	e.pit.WaitForCount(t, 2, 10*time.Second)

	// Inbound: nothing can be stored.
	free := fill(t, e.dbDir)
	full := time.Now()
	tks = append(tks, e.tickets("DBFULL-B", 3)...)
	waitFor(t, "a failed store", 20*time.Second, func() bool {
		return strings.Contains(d.log.String(), "store message uid")
	})
	time.Sleep(3 * time.Second)
	inbox := e.dove.Messages(t, e.escUser, "INBOX")
	if len(inbox) != 3 {
		t.Fatalf("INBOX holds %d mails while the disk is full, want the 3 new ones", len(inbox))
	}
	for _, m := range inbox {
		if m.HasFlag(imap.FlagSeen) {
			t.Errorf("%s was flagged \\Seen although it was never stored", m.Subject)
		}
	}
	if n := len(e.dove.Messages(t, e.escUser, "Processed")); n != 1 {
		t.Errorf("Processed holds %d while the disk is full, want 1", n)
	}
	free()
	freed := time.Now()
	e.waitFolder(e.escUser, "Processed", 4, 90*time.Second)
	e.pit.WaitForCount(t, 8, 15*time.Second)
	inRecovery := time.Since(freed)
	t.Logf("disk full for %.1fs: nothing acknowledged; all handled %.1fs after space returned",
		freed.Sub(full).Seconds(), inRecovery.Seconds())

	// Outbound: the SMTP server accepts a mail while its "sent" mark
	// cannot be recorded (DBFULL-C-001's routed mail and receipt wait in
	// the outbox; at least one of them goes out while the disk is full).
	e.pit.Stop(t)
	tks = append(tks, e.tickets("DBFULL-C", 1)...)
	waitFor(t, "the mail to wait in the outbox", 20*time.Second, func() bool {
		return strings.Contains(d.log.String(), `msg="mail deferred"`)
	})
	free = fill(t, e.dbDir)
	e.pit.Restart(t)
	waitFor(t, "the mail to be delivered", 20*time.Second, func() bool { return e.pit.Count(t) >= 9 })
	passes := strings.Count(d.log.String(), `msg="outbox pass failed"`)
	time.Sleep(2 * retryMax)
	copies := map[string]int{}
	for _, m := range e.pit.Messages(t) {
		if key := e.logicalKey(m); strings.HasSuffix(key, "/DBFULL-C-001") {
			copies[key]++
		}
	}
	passes = strings.Count(d.log.String(), `msg="outbox pass failed"`) - passes
	free()
	waitFor(t, "the sent mark to be recorded", 30*time.Second, func() bool {
		return strings.Contains(d.log.String(), `msg="mail sent recorded late"`)
	})
	e.pit.WaitForCount(t, 10, 15*time.Second)
	time.Sleep(time.Second) // a late copy would arrive now
	d.stop(t)
	for key, n := range copies {
		if n != 1 {
			t.Errorf("while the disk was full the SMTP server got %d copies of %s, want 1", n, key)
		}
	}
	// Retries of the record back off (1 s doubling to retryMax).
	if passes > 6 {
		t.Errorf("%d failed outbox passes in %s while the disk was full; they should back off", passes, 2*retryMax)
	}
	if n := e.routedOnce(tks); n != 10 {
		t.Errorf("Mailpit holds %d mails, want 10 (5 routed, 5 receipts)", n)
	}
	e.checkMailbox(5)
	e.checkCases(tks)
}

// An SLA step falls due while the database's disk is full: the timer loop
// backs off instead of spinning on the failing write, and the step fires
// once, after the disk has room again.
func TestOutageDatabaseDiskFullSLATimer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{edit: func(doc string) string {
		// Medium urgency: respond within 2 s, so the breach comes during
		// the test.
		return strings.Replace(doc, "medium:   {response: 2h,", "medium:   {response: 2s,", 1)
	}})
	e.dbDir = filepath.Join(e.dir, "db")
	tmpfs(t, e.dbDir, "4m")
	e.writeConfig(e.extra)
	d := e.start()
	e.dove.Append(t, e.escUser, "INBOX", validMail("SLAFULL-1", "Medium"))
	e.pit.WaitForCount(t, 2, 15*time.Second) // routed, and the agent's receipt
	free := fill(t, e.dbDir)
	time.Sleep(6 * time.Second) // the breach falls due after 2 s
	failed := strings.Count(d.log.String(), `msg="firing SLA steps failed"`)
	free()
	e.pit.WaitForCount(t, 4, 90*time.Second) // the breach mail, and the agent's word of it
	d.stop(t)
	if failed == 0 {
		t.Fatal("no SLA step failed while the disk was full; the test did not test anything")
	}
	if failed > 8 {
		t.Errorf("the timer loop failed %d times in 4 s; it should back off", failed)
	}
	ids := map[string]bool{}
	for _, m := range e.pit.Messages(t) {
		if ids[m.MessageID] {
			t.Errorf("%s delivered twice", m.MessageID)
		}
		ids[m.MessageID] = true
	}
}

// immutable makes files read-only even for root (chattr +i; writes through
// descriptors already open fail too, on ext4) until the returned function
// is called; the test's cleanup calls it in any case.
func immutable(t *testing.T, files ...string) func() {
	t.Helper()
	_, err := exec.LookPath("chattr")
	mailtest.Require(t, "chattr (e2fsprogs)", err == nil, "apt-get install e2fsprogs")
	undo := func() {
		for _, f := range files {
			_ = exec.Command("chattr", "-i", f).Run()
		}
	}
	t.Cleanup(undo)
	for _, f := range files {
		out, err := exec.Command("chattr", "+i", f).CombinedOutput()
		mailtest.Require(t, "chattr +i on the test's file system", err == nil, "run the tests as root on ext4 ("+strings.TrimSpace(string(out))+")")
	}
	return undo
}

// The database file becomes read-only under the running daemon: mail that
// cannot be stored is not acknowledged and is handled once the file is
// writable again.
func TestOutageDatabaseReadOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{edit: fastRetries})
	d := e.start()
	tks := e.tickets("DBRO-A", 1)
	e.waitFolder(e.escUser, "Processed", 1, 15*time.Second)
	e.pit.WaitForCount(t, 2, 10*time.Second) // routed and receipt
	writable := immutable(t, e.dbPath(), e.dbPath()+"-wal")
	ro := time.Now()
	tks = append(tks, e.tickets("DBRO-B", 2)...)
	waitFor(t, "a failed store", 20*time.Second, func() bool { return strings.Contains(d.log.String(), "store message uid") })
	time.Sleep(2 * time.Second)
	inbox := e.dove.Messages(t, e.escUser, "INBOX")
	if len(inbox) != 2 {
		t.Fatalf("INBOX holds %d mails while the database is read-only, want the 2 new ones", len(inbox))
	}
	for _, m := range inbox {
		if m.HasFlag(imap.FlagSeen) {
			t.Errorf("%s was flagged \\Seen although it was never stored", m.Subject)
		}
	}
	writable()
	back := time.Now()
	e.waitFolder(e.escUser, "Processed", 3, 90*time.Second)
	e.pit.WaitForCount(t, 6, 15*time.Second)
	t.Logf("database read-only for %.1fs: nothing acknowledged; all handled %.1fs after it was writable again",
		back.Sub(ro).Seconds(), time.Since(back).Seconds())
	time.Sleep(time.Second)
	d.stop(t)
	e.routedOnce(tks)
	e.checkMailbox(3)
	e.checkCases(tks)
}
