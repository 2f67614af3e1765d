package templates

import (
	"bytes"
	"html/template"
)

// reviewHTML is the review as HTML tables, the text/html alternative of
// the review mail: Gmail and Outlook show plain text in a proportional
// font, where the text's columns do not line up. Inline styles only (both
// strip <style> blocks in places); no images, no links.
var reviewHTML = template.Must(template.New("review").Parse(`<!DOCTYPE html>
<html><body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222">
<h2 style="font-size:18px;margin:0 0 8px">{{.Title}}: {{.Span}}</h2>
{{range .Headline}}<p style="margin:0 0 4px">{{.}}</p>
{{end}}{{if .Satisfaction}}<p style="margin:0 0 4px">{{.Satisfaction}}</p>
{{end}}{{if .Rate}}<p style="margin:0 0 4px">{{.Rate}}</p>
{{end}}{{if .Chart}}<p style="margin:12px 0 0"><img src="cid:{{.ChartID}}" width="360" height="160" alt="cases by urgency, this period and the last"><br>
<span style="color:#1f5fa8">&#9632; this</span> &nbsp; <span style="color:#a8c4e4">&#9632; {{.Last}}</span> &nbsp; left to right: {{range $i, $r := (index .Groups 0).Rows}}{{if $i}}, {{end}}{{$r.Name}}{{end}}</p>
{{end}}{{range .Groups}}<h3 style="font-size:15px;margin:16px 0 4px">{{.Name}}</h3>
<table cellpadding="4" cellspacing="0" border="1" style="border-collapse:collapse;border-color:#ccc">
<tr><th align="left"></th><th align="right">this</th><th align="right">{{$.Last}}</th></tr>
{{range .Rows}}<tr><td>{{.Name}}</td><td align="right">{{.This}}</td><td align="right">{{.Last}}</td></tr>
{{end}}</table>
{{end}}{{if .RootCauses}}<h3 style="font-size:15px;margin:16px 0 4px">Root causes (cases resolved)</h3>
<table cellpadding="4" cellspacing="0" border="1" style="border-collapse:collapse;border-color:#ccc">
<tr><th align="left">cause</th><th align="right">cases</th><th align="left">tickets</th></tr>
{{range .RootCauses}}<tr><td>{{.Cause}}</td><td align="right">{{.Count}}</td><td>{{range $i, $t := .Tickets}}{{if $i}}, {{end}}{{$t}}{{end}}</td></tr>
{{end}}</table>
{{end}}<h3 style="font-size:15px;margin:16px 0 4px">Breaches: {{len .Breaches}}</h3>
{{if .Breaches}}{{template "cases" .Breaches}}{{end}}
<h3 style="font-size:15px;margin:16px 0 4px">Low backlog still open: {{len .Backlog}}</h3>
{{if .Backlog}}{{template "cases" .Backlog}}{{end}}
<p style="margin:16px 0 0;color:#666">Internal: for management and team leads only; do not forward outside the company.</p>
</body></html>
{{define "cases"}}<table cellpadding="4" cellspacing="0" border="1" style="border-collapse:collapse;border-color:#ccc">
<tr><th align="left">ticket</th><th align="left">urgency</th><th align="left">team</th><th align="left">summary</th><th align="left"></th></tr>
{{range .}}<tr><td>{{.Ticket}}</td><td>{{.Urgency}}</td><td>{{.Team}}</td><td>{{.Summary}}</td><td>{{.Note}}</td></tr>
{{end}}</table>{{end}}`))

// ReviewHTML renders a review as HTML (escaped by html/template); with
// chart set it shows the ReviewChart image, sent inline as ReviewChartID.
func ReviewHTML(r Review, chart bool) (string, error) {
	var b bytes.Buffer
	data := struct {
		Review
		Chart   bool
		ChartID string
	}{r, chart && len(r.Groups) > 0, ReviewChartID}
	if err := reviewHTML.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}
