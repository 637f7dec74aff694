/** An element's width as the page is resized, so a chart can be drawn at the size it is shown at. */
import { useEffect, useRef, useState, type RefObject } from 'react';

export function useWidth(fallback: number, min = 240): [RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement | null>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setWidth(Math.max(min, Math.floor(element.getBoundingClientRect().width)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [min]);
  return [ref, width];
}
