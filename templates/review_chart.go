package templates

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
)

// ReviewChartID is the Content-ID of the review's chart, which the HTML
// shows with <img src="cid:...">.
const ReviewChartID = "review-chart@escalationd"

var (
	chartThis = color.RGBA{0x1f, 0x5f, 0xa8, 0xff} // this period: dark blue
	chartLast = color.RGBA{0xa8, 0xc4, 0xe4, 0xff} // the last: light blue
	chartAxis = color.RGBA{0x88, 0x88, 0x88, 0xff}
)

// ReviewChart draws the review's first breakdown (by urgency) as a PNG
// bar chart: for each row, in the table's order, this period's bar beside
// the last period's. It carries no text (the standard library has no
// font): the HTML names the rows and colours next to it. nil when there
// is nothing to draw.
func ReviewChart(r Review) ([]byte, error) {
	if len(r.Groups) == 0 || len(r.Groups[0].Rows) == 0 {
		return nil, nil
	}
	rows := r.Groups[0].Rows
	top := 1
	for _, row := range rows {
		top = max(top, row.This, row.Last)
	}
	const w, h, bar, gap, pad = 360, 160, 28, 24, 10
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	base := h - pad
	draw.Draw(img, image.Rect(pad, base, w-pad, base+1), image.NewUniform(chartAxis), image.Point{}, draw.Src)
	x := pad + gap/2
	for _, row := range rows {
		for _, v := range []struct {
			n int
			c color.Color
		}{{row.This, chartThis}, {row.Last, chartLast}} {
			height := v.n * (base - pad) / top
			draw.Draw(img, image.Rect(x, base-height, x+bar, base), image.NewUniform(v.c), image.Point{}, draw.Src)
			x += bar
		}
		x += gap
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
