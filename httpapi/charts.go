package httpapi

import (
	"context"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"escalationd/vocab"
)

func itoa(n int) string { return strconv.Itoa(n) }

func pad(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// series is one stacked layer of a bar chart: a value per day.
type series struct {
	Name   string
	Color  string
	Values []float64
}

// palette colours series in order; urgencies get their own.
var palette = []string{"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"}

var urgencyColor = map[vocab.Urgency]string{vocab.Low: "#59a14f", vocab.Medium: "#edc948", vocab.High: "#f28e2b", vocab.Critical: "#e15759"}

// barChart draws stacked bars per day as inline SVG that scales to the
// page width (viewBox), with a legend. Every label is escaped; the numbers
// are formatted by the program.
func barChart(title, unit string, days []string, ss []series) template.HTML {
	const w, h, left, bottom, top = 640.0, 220.0, 40.0, 30.0, 10.0
	maxV := 0.0
	for i := range days {
		t := 0.0
		for _, s := range ss {
			t += s.Values[i]
		}
		maxV = max(maxV, t)
	}
	if maxV == 0 {
		maxV = 1
	}
	esc := template.HTMLEscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<figure><figcaption>%s</figcaption><svg viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		esc(title), w, h, esc(title))
	plotH := h - bottom - top
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#999"/>`, left, h-bottom, w, h-bottom)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="11" text-anchor="end">%s%s</text>`, left-4, top+10, esc(strconv.FormatFloat(maxV, 'f', -1, 64)), esc(unit))
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="11" text-anchor="end">0</text>`, left-4, h-bottom)
	slot := (w - left) / float64(max(len(days), 1))
	for i, day := range days {
		x := left + float64(i)*slot + slot*0.15
		y := h - bottom
		for _, s := range ss {
			v := s.Values[i]
			if v <= 0 {
				continue
			}
			bh := v / maxV * plotH
			y -= bh
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s%s</title></rect>`,
				x, y, slot*0.7, bh, esc(s.Color), esc(day), esc(s.Name), esc(strconv.FormatFloat(v, 'f', -1, 64)), esc(unit))
		}
		if i%2 == 0 || len(days) <= 7 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="10" text-anchor="middle">%s</text>`, x+slot*0.35, h-bottom+14, esc(day[5:]))
		}
	}
	b.WriteString(`</svg><p class="legend">`)
	for _, s := range ss {
		fmt.Fprintf(&b, `<span><i style="background:%s"></i>%s</span> `, esc(s.Color), esc(s.Name))
	}
	b.WriteString(`</p></figure>`)
	return template.HTML(b.String()) // #nosec: built from escaped parts above
}

// charts are the dashboard's: cases per day by urgency and by kind, median
// hours to acknowledge and to resolve, and breaches per day.
func (s *Server) charts(ctx context.Context, now time.Time) ([]template.HTML, error) {
	start := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -(chartDays - 1))
	days := make([]string, chartDays)
	index := map[string]int{}
	for i := range days {
		days[i] = start.AddDate(0, 0, i).Format("2006-01-02")
		index[days[i]] = i
	}
	perDay, err := s.opt.Store.CasesPerDay(ctx, start)
	if err != nil {
		return nil, err
	}
	byUrgency, byKind := map[string][]float64{}, map[string][]float64{}
	var kinds []string
	for _, c := range perDay {
		i, ok := index[c.Labels[0]]
		if !ok {
			continue
		}
		if byUrgency[c.Labels[1]] == nil {
			byUrgency[c.Labels[1]] = make([]float64, chartDays)
		}
		byUrgency[c.Labels[1]][i] += float64(c.N)
		if byKind[c.Labels[2]] == nil {
			byKind[c.Labels[2]] = make([]float64, chartDays)
			kinds = append(kinds, c.Labels[2])
		}
		byKind[c.Labels[2]][i] += float64(c.N)
	}
	var us, ks []series
	for _, u := range vocab.Urgencies {
		if v := byUrgency[string(u)]; v != nil {
			us = append(us, series{Name: string(u), Color: urgencyColor[u], Values: v})
		}
	}
	slices.Sort(kinds)
	for i, k := range kinds {
		ks = append(ks, series{Name: k, Color: palette[i%len(palette)], Values: byKind[k]})
	}
	times, err := s.opt.Store.CaseTimesSince(ctx, start)
	if err != nil {
		return nil, err
	}
	ack, res := make([][]float64, chartDays), make([][]float64, chartDays)
	for _, t := range times {
		i, ok := index[t.Opened.UTC().Format("2006-01-02")]
		if !ok {
			continue
		}
		if !t.Acknowledged.IsZero() {
			ack[i] = append(ack[i], t.Acknowledged.Sub(t.Opened).Hours())
		}
		if !t.Resolved.IsZero() {
			res[i] = append(res[i], t.Resolved.Sub(t.Opened).Hours())
		}
	}
	breaches, err := s.opt.Store.BreachesPerDay(ctx, start)
	if err != nil {
		return nil, err
	}
	bv := make([]float64, chartDays)
	for _, c := range breaches {
		if i, ok := index[c.Labels[0]]; ok {
			bv[i] = float64(c.N)
		}
	}
	return []template.HTML{
		barChart("Cases opened per day by urgency", "", days, us),
		barChart("Cases opened per day by kind", "", days, ks),
		barChart("Median time to acknowledge (cases opened that day)", "h", days, []series{{Name: "acknowledge", Color: palette[0], Values: medians(ack)}}),
		barChart("Median time to resolve (cases opened that day)", "h", days, []series{{Name: "resolve", Color: palette[2], Values: medians(res)}}),
		barChart("SLA breaches per day", "", days, []series{{Name: "breaches", Color: urgencyColor[vocab.Critical], Values: bv}}),
	}, nil
}

// medians is each day's median, rounded to 0.1.
func medians(per [][]float64) []float64 {
	out := make([]float64, len(per))
	for i, v := range per {
		if len(v) == 0 {
			continue
		}
		slices.Sort(v)
		m := v[len(v)/2]
		if len(v)%2 == 0 {
			m = (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		out[i] = float64(int(m*10+0.5)) / 10
	}
	return out
}
