/**
 * The retry icon of a queue row: a small menu with Send now and Cancel, usable from the keyboard
 * (the first item takes focus, arrows move, Escape closes and gives focus back to the icon).
 * The list is placed with fixed coordinates so the table's scroll box never clips it.
 */
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';

interface Place {
  top?: number;
  bottom?: number;
  right: number;
}

/** Below the icon, or above it when the window has no room left underneath. */
function placeBy(button: HTMLElement): Place {
  const box = button.getBoundingClientRect();
  const right = Math.max(8, window.innerWidth - box.right);
  return window.innerHeight - box.bottom < 110 ? { bottom: window.innerHeight - box.top + 4, right } : { top: box.bottom + 4, right };
}

export function RetryMenu({ onSendNow, onCancel, busy }: { onSendNow: () => void; onCancel: () => void; busy?: boolean }) {
  const [open, setOpen] = useState(false);
  const [place, setPlace] = useState<Place>({ right: 0 });
  const menu = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  const toggle = () => {
    if (open || !button.current) return setOpen(false);
    setPlace(placeBy(button.current));
    setOpen(true);
  };

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLButtonElement>('[role="menuitem"]')?.focus();
    const outside = (event: Event) => {
      const target = event.target as Node;
      if (!menu.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    const follow = () => button.current && setPlace(placeBy(button.current));
    document.addEventListener('mousedown', outside);
    document.addEventListener('focusin', outside);
    window.addEventListener('scroll', follow, true);
    window.addEventListener('resize', follow);
    return () => {
      document.removeEventListener('mousedown', outside);
      document.removeEventListener('focusin', outside);
      window.removeEventListener('scroll', follow, true);
      window.removeEventListener('resize', follow);
    };
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  const choose = (action: () => void) => {
    close();
    action();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const items = [...(menu.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      items[(at + (event.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus();
    } else if (event.key === 'Home' || event.key === 'End') {
      event.preventDefault();
      items[event.key === 'Home' ? 0 : items.length - 1]?.focus();
    } else if (event.key === 'Tab') {
      setOpen(false);
    }
  };

  return (
    <div className="menu">
      <button
        ref={button}
        type="button"
        className="btn-icon retry-icon"
        aria-label="Retry options"
        aria-haspopup="menu"
        aria-expanded={open}
        disabled={busy}
        title="Retry options"
        onClick={toggle}
        onKeyDown={(event) => {
          if (event.key === 'Escape' && open) close();
        }}
      >
        <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
          <path d="M13.5 8a5.5 5.5 0 1 1-1.61-3.89" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
          <path d="M12.4 1.6v3.1H9.3" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
      </button>
      {open ? (
        <div
          ref={menu}
          className="menu-list menu-fixed"
          role="menu"
          aria-label="Retry options"
          onKeyDown={onKeyDown}
          style={{ top: place.top, bottom: place.bottom, right: place.right }}
        >
          <button type="button" role="menuitem" onClick={() => choose(onSendNow)}>
            Send now
          </button>
          <button type="button" role="menuitem" className="menuitem-danger" onClick={() => choose(onCancel)}>
            Cancel
          </button>
        </div>
      ) : null}
    </div>
  );
}
