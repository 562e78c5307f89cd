import { type CSSProperties, useEffect, useRef } from 'react';
import { drawBytes } from './draw-image';

/**
 * A small image drawn pixel-exact and scaled up with CSS (`image-rendering: pixelated`). `label`
 * says what it shows; an empty label marks it decorative (inside a control that is named already).
 * `size` is its CSS size at normal scale (presenter mode enlarges it through --thumb-scale).
 */
export function PixelCanvas({
  bytes,
  width,
  height,
  channels = 1,
  size = 56,
  label,
}: {
  bytes: Uint8Array;
  width: number;
  height: number;
  channels?: number;
  size?: number;
  label: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current) drawBytes(ref.current, bytes, width, height, channels);
  }, [bytes, width, height, channels]);
  return (
    <canvas
      ref={ref}
      className="pixel-canvas"
      {...(label ? { role: 'img', 'aria-label': label } : { 'aria-hidden': true })}
      style={{ '--size': `${size}px` } as CSSProperties}
    />
  );
}
