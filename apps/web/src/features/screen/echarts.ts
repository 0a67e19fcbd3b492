// ECharts, tree-shaken: only the charts, components and renderers the big screen and its
// summary use (the full build is ~370 KB gzip; this is what keeps /screen within its budget).
// Imported only by the screen's lazy chunks, so it never reaches the console's routes.
import { BarChart, LineChart, MapChart, PieChart, ScatterChart } from 'echarts/charts';
import { GeoComponent, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';

echarts.use([MapChart, ScatterChart, BarChart, LineChart, PieChart, GeoComponent, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, CanvasRenderer, SVGRenderer]);

export { echarts };
export type { ECElementEvent, EChartsCoreOption, EChartsType } from 'echarts/core';
