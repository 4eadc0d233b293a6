/** Unrealized gain by asset: needs the harvest route (open lots at a price); see Harvest. */
export const UnrealizedChart = () => (
  <figure className="chart" aria-labelledby="chart-unrealized">
    <figcaption id="chart-unrealized">Unrealized gain by asset</figcaption>
    <p className="muted">Not available from this server yet.</p>
  </figure>
);
