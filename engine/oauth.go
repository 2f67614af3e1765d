package engine

import (
	"context"
	"fmt"
	"time"

	"escalationd/store"
	"escalationd/templates"
	"escalationd/vocab"
)

// OAuthAlert queues the oauth-alert mail to the operator about a server
// whose OAuth2 token cannot be refreshed or is about to lapse, with its
// audit event, in one transaction. notice numbers the alerts of one
// problem (the caller decides when one is due); the dedup key makes a
// repeated call for the same notice a no-op. It returns whether a mail was
// queued (false also when no operator is configured).
func (e *Engine) OAuthAlert(ctx context.Context, a templates.OAuthAlert, notice int, now time.Time) (bool, error) {
	if e.cfg.Operator == "" {
		return false, nil
	}
	a.Valid = !a.Expiry.IsZero() && now.Before(a.Expiry)
	dedup := fmt.Sprintf("oauth:%s:%s:%d:%d", a.Server, a.Problem, a.Since.Unix(), notice)
	m := outMail{event: vocab.EventOAuthAlert, role: vocab.RoleOperator, dedup: dedup, to: []string{e.cfg.Operator},
		data: templates.Data{Now: now, OAuth: a}}
	queued := false
	err := e.st.InTx(ctx, func(tx *store.Tx) error {
		queued = false
		if done, err := tx.MailQueued(dedup); err != nil || done {
			return err
		}
		if err := e.enqueue(tx, nil, m, now); err != nil {
			return err
		}
		queued = true
		detail := a.Problem
		if a.Error != "" {
			detail += ": " + a.Error
		}
		return tx.AddEvent(store.Event{At: now, Type: vocab.EventOAuthAlert, Actor: a.Server, Detail: detail})
	})
	if err == nil && queued {
		e.wake()
	}
	return queued, err
}
