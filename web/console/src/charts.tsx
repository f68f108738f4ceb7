import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { Bar, Line } from 'react-chartjs-2';

// Only what the console draws, so chart.js stays small; this module loads with the pages that chart.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

export interface Series {
  readonly label: string;
  /** null where there is nothing to measure (a month without answers): a gap in the line and a dash in the table, not a zero. */
  readonly values: readonly (number | null)[];
  readonly colour: string;
}

interface ChartProps {
  /** The canvas's name (react-chartjs-2 gives it role img); the figures are also in a table beside it. */
  readonly title: string;
  readonly labels: readonly string[];
  readonly series: readonly Series[];
}

const data = ({ labels, series }: ChartProps) => ({
  labels: [...labels],
  datasets: series.map((one) => ({ label: one.label, data: [...one.values], backgroundColor: one.colour, borderColor: one.colour })),
});
const options = { responsive: true, maintainAspectRatio: false, animation: false } as const;

/** A chart with its figures as a table for whoever cannot see the chart (and for tests). */
function Figure({ title, labels, series, children }: ChartProps & { readonly children: React.ReactNode }) {
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div className="chart-canvas">
        {children}
      </div>
      <details>
        <summary>{title}: table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{title}</th>
              {series.map((one) => (
                <th scope="col" key={one.label}>
                  {one.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {labels.map((label, index) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                {series.map((one) => (
                  <td key={one.label}>{one.values[index] ?? '—'}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

export function BarChart(props: ChartProps & { readonly horizontal?: boolean }) {
  return (
    <Figure {...props}>
      <Bar aria-label={props.title} data={data(props)} options={{ ...options, indexAxis: props.horizontal ? 'y' : 'x' }} />
    </Figure>
  );
}

export function LineChart(props: ChartProps) {
  return (
    <Figure {...props}>
      <Line aria-label={props.title} data={data(props)} options={options} />
    </Figure>
  );
}

/** Colours that keep 3:1 contrast on white and apart from each other for common colour blindness. */
export const COLOURS = { fit: '#1f5fa8', engagement: '#b34700', draft: '#1f5fa8', active: '#6b6b6b' } as const;
