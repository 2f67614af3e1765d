package inbound

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"escalationd/store"
)

// fetchBudget bounds the bytes of message bodies one FETCH may bring in, so
// a backlog of large mail never holds more than this in memory at once.
const fetchBudget = 32 << 20

// metaChunk is how many messages' sizes and envelopes one FETCH asks for
// at least (FetchBatch when that is more).
const metaChunk = 200

// meta is what the poller knows about a message before fetching its body.
type meta struct {
	uid  imap.UID
	size int64
	env  *imap.Envelope
}

// fetchNew stores, hands over and moves every message above the cursor,
// oldest first, in batches bounded by count and bytes. Mail over the size
// limit is fetched header only; the parser rejects it from its size.
func (s *session) fetchNew(ctx context.Context) error {
	p := s.p
	cur, _, err := p.opt.Store.Cursor(ctx, p.opt.Mailbox.Name)
	if err != nil {
		return err
	}
	s.deadline(p.opt.CommandTimeout)
	var set imap.UIDSet
	set.AddRange(imap.UID(cur.LastUID+1), 0)
	found, err := s.c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
	if err != nil {
		return fmt.Errorf("search new messages: %w", err)
	}
	var uids []imap.UID
	for _, u := range found.AllUIDs() {
		// "N:*" matches the highest UID even when it is below N.
		if uint32(u) > cur.LastUID {
			uids = append(uids, u)
		}
	}
	slices.Sort(uids)
	for len(uids) > 0 && ctx.Err() == nil {
		n := min(len(uids), max(metaChunk, p.opt.FetchBatch))
		metas, err := s.fetchMeta(uids[:n])
		if err != nil {
			return err
		}
		uids = uids[n:]
		for len(metas) > 0 && ctx.Err() == nil {
			k, bytes := 0, int64(0)
			for k < len(metas) && k < p.opt.FetchBatch && (k == 0 || bytes+s.fetchSize(metas[k]) <= fetchBudget) {
				bytes += s.fetchSize(metas[k])
				k++
			}
			if err := s.fetchBatch(ctx, metas[:k]); errors.Is(err, errCopyPending) {
				return nil
			} else if err != nil {
				return err
			}
			metas = metas[k:]
		}
	}
	return nil
}

// fetchSize is what fetching a message will bring in.
func (s *session) fetchSize(m meta) int64 {
	if s.oversize(m) {
		return 64 << 10
	}
	return m.size
}

func (s *session) oversize(m meta) bool {
	limit := s.p.opt.MaxMessageSize
	return limit > 0 && m.size > limit
}

// fetchMeta reads sizes and envelopes, keeping only the UIDs asked for (an
// unsolicited FETCH about another message must not slip in).
func (s *session) fetchMeta(uids []imap.UID) ([]meta, error) {
	s.deadline(s.p.opt.CommandTimeout)
	msgs, err := s.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, Envelope: true, RFC822Size: true}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch sizes of uids %v: %w", uids, err)
	}
	var out []meta
	for _, m := range msgs {
		if slices.Contains(uids, m.UID) && !slices.ContainsFunc(out, func(x meta) bool { return x.uid == m.UID }) {
			out = append(out, meta{uid: m.UID, size: m.RFC822Size, env: m.Envelope})
		}
	}
	slices.SortFunc(out, func(a, b meta) int { return int(a.uid) - int(b.uid) })
	return out, nil
}

// fetchBodies fetches the raw bytes of some messages: the whole message,
// or the header only for mail over the size limit. Each body is read from
// its literal into a buffer of the literal's size, not collected through
// a growing one: a 20 MB mail costs 20 MB here, not twice that.
func (s *session) fetchBodies(metas []meta, headerOnly bool) (map[imap.UID][]byte, error) {
	out := map[imap.UID][]byte{}
	if len(metas) == 0 {
		return out, nil
	}
	section := &imap.FetchItemBodySection{Peek: true}
	if headerOnly {
		section.Specifier = imap.PartSpecifierHeader
	}
	uids := make([]imap.UID, len(metas))
	for i, m := range metas {
		uids[i] = m.uid
	}
	s.deadline(s.p.opt.CommandTimeout)
	cmd := s.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}})
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		var uid imap.UID
		var body []byte
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = it.UID
			case imapclient.FetchItemDataBodySection:
				if body != nil || it.Literal == nil || it.Section == nil || it.Section.Specifier != section.Specifier {
					continue // the rest is discarded by Next
				}
				b, err := readLiteral(it.Literal, s.literalLimit(metas, headerOnly))
				if err != nil {
					_ = cmd.Close()
					return nil, fmt.Errorf("fetch uids %v: read body: %w", uids, err)
				}
				body = b
			}
		}
		if body != nil && slices.Contains(uids, uid) {
			out[uid] = body
		}
	}
	if err := cmd.Close(); err != nil {
		return nil, fmt.Errorf("fetch uids %v: %w", uids, err)
	}
	return out, nil
}

// literalLimit is the largest literal whose announced size is trusted
// for one allocation: what the messages' sizes say they are, with room to
// spare. A server announcing more is read as it comes instead.
func (s *session) literalLimit(metas []meta, headerOnly bool) int64 {
	if headerOnly {
		return 1 << 20
	}
	var most int64
	for _, m := range metas {
		most = max(most, m.size)
	}
	return 2*most + 64<<10
}

// readLiteral reads a literal whole into a buffer of its announced size
// when that is at most limit, else through a growing buffer.
func readLiteral(lit imap.LiteralReader, limit int64) ([]byte, error) {
	n := lit.Size()
	if n < 0 || n > limit {
		return io.ReadAll(lit)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(lit, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// fetchBatch fetches, stores, hands over and moves a batch of messages.
func (s *session) fetchBatch(ctx context.Context, metas []meta) error {
	p := s.p
	var whole, heads []meta
	for _, m := range metas {
		if s.oversize(m) {
			heads = append(heads, m)
		} else {
			whole = append(whole, m)
		}
	}
	bodies, err := s.fetchBodies(whole, false)
	if err != nil {
		return err
	}
	headers, err := s.fetchBodies(heads, true)
	if err != nil {
		return err
	}
	for k, v := range headers {
		bodies[k] = v
	}
	var got []meta
	var ins []store.Incoming
	for _, m := range metas {
		raw, ok := bodies[m.uid]
		// Once stored, the engine reads the mail from the database: this
		// copy is not kept through the handling.
		delete(bodies, m.uid)
		if !ok {
			// No body came back for it (a FETCH response mixed up with an
			// unsolicited one, or the message just vanished): ask once more
			// for this message alone rather than step over it.
			again, err := s.fetchBodies([]meta{m}, s.oversize(m))
			if err != nil {
				return err
			}
			if raw, ok = again[m.uid]; !ok {
				p.log.Warn("message vanished before it could be fetched; another client removed it", "uid", m.uid)
				continue
			}
		}
		got = append(got, m)
		ins = append(ins, s.incoming(m, raw))
	}
	if len(got) == 0 {
		return nil
	}
	return s.storeBatch(ctx, got, ins)
}

// incoming is what the store keeps of a fetched message.
func (s *session) incoming(m meta, raw []byte) store.Incoming {
	in := store.Incoming{Mailbox: s.p.opt.Mailbox.Name, UIDValidity: s.uidValidity, UID: uint32(m.uid), Raw: raw}
	if s.oversize(m) {
		in.Size = m.size
	}
	if env := m.env; env != nil {
		in.MessageID = strings.TrimSpace(env.MessageID)
		in.Subject = env.Subject
		if len(env.From) > 0 {
			in.Sender = strings.ToLower(env.From[0].Addr())
		}
	}
	return in
}

// storeBatch commits a batch of messages and the cursor past them, hands
// them over and moves them: one unit that shutdown does not interrupt. A
// batch costs one commit to store it, one to handle it and one to record
// the move, and one UID STORE and UID MOVE per destination folder,
// whatever its size: a backlog goes at the speed of the servers, not of
// round trips.
//
// A batch holding a second copy of a mail whose first copy has not left
// the folder is stored up to it, handled and moved, and then the rest (see
// store.IngestBatch); when the batch starts with such a copy, the pass
// ends (errCopyPending) until the first copy's handling and move are done.
func (s *session) storeBatch(ctx context.Context, metas []meta, ins []store.Incoming) error {
	for len(ins) > 0 {
		n, err := s.storeSome(ctx, metas, ins)
		if err != nil {
			return err
		}
		if n == 0 {
			return errCopyPending
		}
		metas, ins = metas[n:], ins[n:]
	}
	return nil
}

// errCopyPending ends a pass at a mail whose other copy has yet to leave
// the folder: the next pass retries that copy first.
var errCopyPending = errors.New("another copy of a mail has yet to leave the folder")

// storeSome stores, hands over and moves the messages of a batch up to
// the first one IngestBatch stops at, and says how many that was.
func (s *session) storeSome(ctx context.Context, metas []meta, ins []store.Incoming) (int, error) {
	p := s.p
	work := context.WithoutCancel(ctx)
	ings, err := p.opt.Store.IngestBatch(work, ins, p.opt.Clock.Now())
	// The engine reads the stored copies: holding these through the
	// handling would double the memory a large mail takes.
	for i := range ings {
		ins[i].Raw = nil
	}
	if err != nil {
		// Not stored, so not acknowledged: they stay unseen in the folder
		// and are fetched again on the next pass.
		return 0, err
	}
	if len(ings) == 0 {
		p.log.Info("a copy of this mail is still in the folder; storing this one once that copy has been moved",
			"uid", metas[0].uid, "message_id", ins[0].MessageID)
		return 0, nil
	}
	p.progress(p.stepAllow())
	ids := make([]int64, len(ings))
	for i, ing := range ings {
		ids[i] = ing.ID
		log := p.log.With("uid", metas[i].uid, "message_row", ing.ID, "message_id", ins[i].MessageID)
		if ing.Duplicate {
			log.Info("message already known (rescan or resend); not handled twice")
		} else {
			log.Info("message stored", "size", metas[i].size, "header_only", s.oversize(metas[i]), "from", ins[i].Sender)
		}
	}
	uids := make([]imap.UID, len(ings))
	for i := range ings {
		uids[i] = metas[i].uid
	}
	return len(ings), s.handleAndMove(work, ids, uids)
}
