# plot.gp: the chart of tests/bench/bench-modes.sh (gnuplot 5, pngcairo).
#   gnuplot -e "datafile='modes.dat'; outfile='modes.png'; subtitle='...'" tests/bench/plot.gp
# datafile: one row per mode, as tests/bench/benchreport.py writes it:
#   label group bulk lo hi pp50 lo hi udp lo hi http lo hi big lo hi pp1 lo hi
# each triple the mode's ratio to its floor (median of the paired ratios)
# and its 95% interval. Bars: the median; whiskers: the interval; the
# dashed line: 0.95, the verdict's threshold. Colour: the kind of network
# path (group 1 socket activation, 2 pasta, 3 slirp4netns, 4 bridge,
# 5 host network, 6 the A/A check: the floor against itself, first).
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
set yrange [0:1.2<*]
set xrange [-0.6:*]
set key off
set bmargin 7
set arrow 1 from graph 0, first 0.95 to graph 1, first 0.95 nohead dt 2 lc rgb "#c00000" lw 1.5 front

set multiplot layout 2,3 title "Each network mode over the floor of the place it runs, paired slices on loopback (bars: median ratio; whiskers: 95% interval; dashed: 0.95)\n".subtitle

set title "TCP bulk echo, one stream"
plot datafile using 0:3:2:xtic(1) with boxes lc variable, \
     '' using 0:3:4:5 with yerrorbars lc rgb "black" pt 0 lw 1.2

set title "TCP ping-pong, 50 conns, 64 B"
plot datafile using 0:6:2:xtic(1) with boxes lc variable, \
     '' using 0:6:7:8 with yerrorbars lc rgb "black" pt 0 lw 1.2

set title "UDP echo, 50 sockets, 64 B"
# A mode that carried no UDP at all gets a note instead of a bar.
plot datafile using 0:9:2:xtic(1) with boxes lc variable, \
     '' using 0:9:10:11 with yerrorbars lc rgb "black" pt 0 lw 1.2, \
     '' using 0:(strcol(9) eq "NaN" ? 0 : 1/0):("no UDP figure") with labels rotate left offset 0,0.5 font ",9"

set title "HTTP 612 B file, 50 conns (requests/s)"
plot datafile using 0:12:2:xtic(1) with boxes lc variable, \
     '' using 0:12:13:14 with yerrorbars lc rgb "black" pt 0 lw 1.2

set title "HTTP 1 MiB file, 50 conns (MB/s)"
plot datafile using 0:15:2:xtic(1) with boxes lc variable, \
     '' using 0:15:16:17 with yerrorbars lc rgb "black" pt 0 lw 1.2

set title "TCP ping-pong, 1 conn"
plot datafile using 0:18:2:xtic(1) with boxes lc variable, \
     '' using 0:18:19:20 with yerrorbars lc rgb "black" pt 0 lw 1.2

unset multiplot
