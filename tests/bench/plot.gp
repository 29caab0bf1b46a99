# plot.gp: the chart of tests/bench/bench-modes.sh (gnuplot 5, pngcairo).
#   gnuplot -e "datafile='modes.dat'; outfile='modes.png'; subtitle='...'" tests/bench/plot.gp
# datafile: one row per mode, as bench-modes.sh writes it:
#   label group bulk lo hi pp50 lo hi udp lo hi http lo hi pp1p50 pp1p99
#   cold lo hi big lo hi pp50p50 pp50p99
# (throughput medians with their min and max over the rounds: Gbit/s,
# thousands per second, GB/s; ping-pong latency in us; cold start in ms).
# Bars: medians; whiskers: min..max over the rounds. Colour: the kind of
# network path (group 1 socket activation, 2 pasta, 3 slirp4netns,
# 4 bridge, 5 host network).
if (!exists("datafile")) datafile = 'build/bench/modes-latest.dat'
if (!exists("outfile")) outfile = 'build/bench/modes-latest.png'
if (!exists("subtitle")) subtitle = ''

set terminal pngcairo size 1800,1000 font "DejaVu Sans,10" noenhanced
set output outfile

set linetype 1 lc rgb "#2e8b57"
set linetype 2 lc rgb "#1f77b4"
set linetype 3 lc rgb "#ff7f0e"
set linetype 4 lc rgb "#9467bd"
set linetype 5 lc rgb "#7f7f7f"
set linetype 6 lc rgb "#1f3f6f"

set style fill solid 0.85 border -1
set boxwidth 0.7
set grid ytics lc rgb "#dddddd"
set border 3
set xtics nomirror rotate by 35 right scale 0
set ytics nomirror
set yrange [0:*]
set xrange [-0.6:*]
set key off
set bmargin 7

set multiplot layout 2,4 title "Echo and HTTP servers behind each container network mode, on loopback (bars: median; whiskers: min..max over the rounds)\n".subtitle

set title "TCP bulk echo, one stream (Gbit/s)"
plot datafile using 0:3:2:xtic(1) with boxes lc variable, \
     '' using 0:3:4:5 with yerrorbars lc rgb "black" pt 0 lw 1.2

set title "TCP ping-pong, 50 conns, 64 B (k round trips/s)"
plot datafile using 0:6:2:xtic(1) with boxes lc variable, \
     '' using 0:6:7:8 with yerrorbars lc rgb "black" pt 0 lw 1.2

set title "UDP echo, 50 sockets, 64 B (k datagrams/s)"
# A mode that carried no UDP at all gets a note instead of a bar.
plot datafile using 0:9:2:xtic(1) with boxes lc variable, \
     '' using 0:9:10:11 with yerrorbars lc rgb "black" pt 0 lw 1.2, \
     '' using 0:(strcol(9) eq "NaN" ? 0 : 1/0):("no UDP replies") with labels rotate left offset 0,0.5 font ",9"

set title "HTTP 612 B file, 50 conns (k requests/s)"
plot datafile using 0:12:2:xtic(1) with boxes lc variable, \
     '' using 0:12:13:14 with yerrorbars lc rgb "black" pt 0 lw 1.2

set title "HTTP 1 MiB file, 50 conns (GB/s)"
plot datafile using 0:20:2:xtic(1) with boxes lc variable, \
     '' using 0:20:21:22 with yerrorbars lc rgb "black" pt 0 lw 1.2

# Latency: p50 solid, p99 light, side by side; lower is better.
set boxwidth 0.38
set key top left
set title "Ping-pong, 1 conn: p50 / p99 latency (us)"
plot datafile using ($0-0.2):15:2:xtic(1) with boxes lc variable title "p50", \
     '' using ($0+0.2):16:2 with boxes lc variable fs transparent solid 0.35 title "p99"
set title "Ping-pong, 50 conns: p50 / p99 latency (us)"
plot datafile using ($0-0.2):23:2:xtic(1) with boxes lc variable title "p50", \
     '' using ($0+0.2):24:2 with boxes lc variable fs transparent solid 0.35 title "p99"
set key off
set boxwidth 0.7

set title "Cold start to first echoed byte (ms, log)"
set logscale y
set yrange [1:*]
plot datafile using 0:17:2:xtic(1) with boxes lc variable, \
     '' using 0:17:18:19 with yerrorbars lc rgb "black" pt 0 lw 1.2
unset logscale y

unset multiplot
