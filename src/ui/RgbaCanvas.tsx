import { useEffect, useRef } from 'react';

/** An RGBA image at its own size (small previews). */
export function RgbaCanvas({
  rgba,
  width,
  height,
  label,
}: {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  label: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    c.width = width;
    c.height = height;
    c.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  }, [rgba, width, height]);
  return <canvas ref={ref} className="rgba-canvas" role="img" aria-label={label} />;
}
