import { useEffect, useRef, type CSSProperties } from 'react';
import { echarts, type ECElementEvent, type EChartsCoreOption, type EChartsType } from './echarts';

interface Props {
  option: EChartsCoreOption;
  /** canvas on the screen; svg on the printable summary (sharp on paper). */
  renderer?: 'canvas' | 'svg';
  style?: CSSProperties;
  className?: string;
  onClick?: (e: ECElementEvent) => void;
  /** After each render settles (ECharts' `finished`), e.g. to read pixel positions. */
  onRendered?: (chart: EChartsType) => void;
  testId?: string;
}

/** One ECharts instance bound to a div: created on mount, options replaced on change, disposed on unmount. */
export function EChart({ option, renderer = 'canvas', style, className, onClick, onRendered, testId }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const click = useRef(onClick);
  const rendered = useRef(onRendered);
  useEffect(() => {
    click.current = onClick;
    rendered.current = onRendered;
  }, [onClick, onRendered]);

  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const c = echarts.init(node, null, { renderer });
    chart.current = c;
    c.on('click', (e) => click.current?.(e as ECElementEvent));
    c.on('finished', () => rendered.current?.(c));
    // Layout size (not the scaled on-screen size): the big screen scales with a CSS transform.
    const ro = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => c.resize());
    ro?.observe(node);
    return () => {
      ro?.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, [renderer]);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true, lazyUpdate: false });
  }, [option, renderer]);

  return <div ref={el} className={className} style={{ width: '100%', height: '100%', ...style }} data-testid={testId} />;
}
