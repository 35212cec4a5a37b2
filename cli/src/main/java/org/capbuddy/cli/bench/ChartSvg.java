package org.capbuddy.cli.bench;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.intermediate.CommandSequence;
import de.erichseifert.vectorgraphics2d.intermediate.MutableCommandSequence;
import de.erichseifert.vectorgraphics2d.intermediate.commands.Command;
import de.erichseifert.vectorgraphics2d.intermediate.commands.DrawShapeCommand;
import de.erichseifert.vectorgraphics2d.intermediate.commands.FillShapeCommand;
import de.erichseifert.vectorgraphics2d.intermediate.commands.SetColorCommand;
import de.erichseifert.vectorgraphics2d.intermediate.commands.SetStrokeCommand;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Stroke;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Point2D;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * A chart as SVG: drawn on VectorGraphics2D, as XChart's VectorGraphicsEncoder does, with what
 * XChart draws made compact before and after VectorGraphics2D writes it. XChart draws a line
 * series one segment at a time, and VectorGraphics2D writes each as a {@code <line>} with its whole
 * style (about 220 bytes: 500 samples a series made a footprint chart's lines a third of a
 * megabyte); here a run of segments that continue one another, with nothing drawn between them,
 * becomes one path. XChart writes text as glyph outlines (most of what is left, 30 to 60 KB a
 * chart), whose points VectorGraphics2D prints absolute and to 15 decimals; here every path's
 * points are relative to the one before and kept to a hundredth of a pixel, far below what shows.
 */
final class ChartSvg {
    /** A path's data in the SVG VectorGraphics2D writes. */
    private static final Pattern PATH_DATA = Pattern.compile(" d=\"([^\"]*)\"");
    /** A command or a number of path data, and what may part them. */
    private static final Pattern PATH_TOKEN = Pattern.compile("[A-Za-z]|-?[0-9]+(?:\\.[0-9]+)?");
    private static final Pattern SEPARATORS = Pattern.compile("[ ,]*");

    private ChartSvg() {
    }

    /** Writes {@code chart} to {@code out} as SVG. */
    static void write(Chart<?, ?> chart, OutputStream out) throws IOException {
        VectorGraphics2D g = new VectorGraphics2D();
        chart.paint(g, chart.getWidth(), chart.getHeight());
        ByteArrayOutputStream svg = new ByteArrayOutputStream();
        new SVGProcessor().getDocument(compact(g.getCommands()), new PageSize(0, 0, chart.getWidth(),
                chart.getHeight())).writeTo(svg);
        Matcher d = PATH_DATA.matcher(svg.toString(StandardCharsets.UTF_8));
        out.write(d.replaceAll(m -> Matcher.quoteReplacement(" d=\"" + relative(m.group(1)) + "\""))
                .getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The commands with continuing line segments joined into paths, their ends rounded. A
     * stroke or colour counts only when something is drawn with it: XChart sets the line's and
     * then the marker's colour around every segment, and the stroke again before the next, which
     * changes nothing and is left out. Anything else ends a path, so what is drawn stays in the
     * order it was drawn.
     */
    static CommandSequence compact(CommandSequence commands) {
        Joined joined = new Joined(new MutableCommandSequence());
        Stroke stroke = null; // what the output has set; null when not known
        Color colour = null;
        Stroke newStroke = null; // set since, not yet written
        Color newColour = null;
        for (Command<?> c : commands) {
            if (c instanceof SetStrokeCommand s) {
                newStroke = s.getValue();
                continue;
            }
            if (c instanceof SetColorCommand s) {
                newColour = s.getValue();
                continue;
            }
            boolean segment = c instanceof DrawShapeCommand && c.getValue() instanceof Line2D;
            if (!segment || newStroke != null && !newStroke.equals(stroke)
                    || newColour != null && !newColour.equals(colour)) {
                joined.end();
            }
            if (newStroke != null && !newStroke.equals(stroke)) {
                joined.out.add(new SetStrokeCommand(newStroke));
                stroke = newStroke;
            }
            if (newColour != null && !newColour.equals(colour)) {
                joined.out.add(new SetColorCommand(newColour));
                colour = newColour;
            }
            newStroke = null;
            newColour = null;
            if (segment) {
                Line2D line = (Line2D) c.getValue();
                joined.add(rounded(line.getP1()), rounded(line.getP2()), stroke);
            } else {
                joined.out.add(c);
                if (!(c instanceof FillShapeCommand || c instanceof DrawShapeCommand)) {
                    // a dispose, say, restores an earlier state
                    stroke = null;
                    colour = null;
                }
            }
        }
        joined.end();
        if (newStroke != null) {
            joined.out.add(new SetStrokeCommand(newStroke));
        }
        if (newColour != null) {
            joined.out.add(new SetColorCommand(newColour));
        }
        return joined.out;
    }

    /** The path being joined, segment by segment, and where it goes when it ends. */
    private static final class Joined {
        final MutableCommandSequence out;
        Path2D.Double path;
        int segments;
        Line2D first;
        Stroke stroke;

        Joined(MutableCommandSequence out) {
            this.out = out;
        }

        void add(Point2D from, Point2D to, Stroke current) {
            if (path != null && path.getCurrentPoint().equals(from)) {
                path.lineTo(to.getX(), to.getY());
                segments++;
                return;
            }
            end();
            path = new Path2D.Double();
            path.moveTo(from.getX(), from.getY());
            path.lineTo(to.getX(), to.getY());
            segments = 1;
            first = new Line2D.Double(from, to);
            stroke = current;
        }

        void end() {
            if (path == null) {
                return;
            }
            if (segments == 1) {
                out.add(new DrawShapeCommand(first)); // a <line>, as short as a path of one segment
            } else if (stroke instanceof BasicStroke b && b.getLineJoin() != BasicStroke.JOIN_ROUND) {
                // Segments drawn one by one never show a mitre's spike where the line turns back
                // sharply; joined, they would. A round join is what round caps gave them.
                out.add(new SetStrokeCommand(new BasicStroke(b.getLineWidth(), b.getEndCap(), BasicStroke.JOIN_ROUND,
                        b.getMiterLimit(), b.getDashArray(), b.getDashPhase())));
                out.add(new DrawShapeCommand(path));
                out.add(new SetStrokeCommand(b));
            } else {
                out.add(new DrawShapeCommand(path));
            }
            path = null;
        }
    }

    /** {@code v} to a hundredth of a pixel. */
    private static double rounded(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static Point2D rounded(Point2D p) {
        return new Point2D.Double(rounded(p.getX()), rounded(p.getY()));
    }

    /**
     * Path data {@code d} as VectorGraphics2D writes it ("M312.66015625,101.33 L..." with Q, C and
     * Z) with every point relative to the last and in hundredths of a pixel ("m312.66 101.33l..."):
     * a glyph's points lie close together, so the differences are short. Data in any other form is
     * returned as it is.
     */
    static String relative(String d) {
        List<String> tokens = new ArrayList<>();
        Matcher m = PATH_TOKEN.matcher(d);
        int end = 0;
        while (m.find()) {
            if (!SEPARATORS.matcher(d.substring(end, m.start())).matches()) {
                return d;
            }
            tokens.add(m.group());
            end = m.end();
        }
        if (!SEPARATORS.matcher(d.substring(end)).matches()) {
            return d;
        }
        StringBuilder out = new StringBuilder();
        long x = 0; // the current point, in hundredths of a pixel
        long y = 0;
        long startX = 0; // where the subpath started, where Z returns to
        long startY = 0;
        for (int i = 0; i < tokens.size(); ) {
            String command = tokens.get(i++);
            int numbers = switch (command) {
                case "M", "L" -> 2;
                case "Q" -> 4;
                case "C" -> 6;
                case "Z" -> 0;
                default -> -1;
            };
            if (numbers < 0 || i + numbers > tokens.size()) {
                return d;
            }
            long[] p = new long[numbers];
            for (int k = 0; k < numbers; k++) {
                String number = tokens.get(i++);
                if (Character.isLetter(number.charAt(0))) {
                    return d;
                }
                p[k] = Math.round(Double.parseDouble(number) * 100);
            }
            out.append(command.toLowerCase(Locale.ROOT));
            for (int k = 0; k < numbers; k += 2) { // every point of a relative command is from the current one
                appendHundredths(out, p[k] - x, k > 0);
                appendHundredths(out, p[k + 1] - y, true);
            }
            if (numbers > 0) {
                x = p[numbers - 2];
                y = p[numbers - 1];
            }
            if (command.equals("M")) {
                startX = x;
                startY = y;
            } else if (command.equals("Z")) {
                x = startX;
                y = startY;
            }
        }
        return out.toString();
    }

    /**
     * {@code hundredths} of a pixel written short ("-1.5", ".05", "12"), after a space when it
     * follows a number and has no sign to part it from that.
     */
    private static void appendHundredths(StringBuilder out, long hundredths, boolean afterNumber) {
        long whole = Math.abs(hundredths) / 100;
        long fraction = Math.abs(hundredths) % 100;
        if (hundredths < 0) {
            out.append('-');
        } else if (afterNumber) {
            out.append(' ');
        }
        if (whole > 0 || fraction == 0) {
            out.append(whole);
        }
        if (fraction > 0) {
            out.append('.').append(fraction < 10 ? "0" : "").append(fraction % 10 == 0 ? fraction / 10 : fraction);
        }
    }
}
