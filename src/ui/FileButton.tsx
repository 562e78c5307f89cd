import { useId } from 'react';

/**
 * A button-looking label over a hidden file input, so the control is named by its visible text
 * (getByLabel finds it) and works from the keyboard. The input is cleared after each choice, so
 * choosing the same files again fires again.
 */
export function FileButton({
  label,
  onFiles,
  accept,
  directory = false,
}: {
  label: string;
  onFiles: (files: File[]) => void;
  accept?: string;
  /** Pick a folder (with its sub-folders) instead of files. */
  directory?: boolean;
}) {
  const id = useId();
  return (
    <>
      <label htmlFor={id} className="button-like">
        {label}
      </label>
      <input
        id={id}
        className="visually-hidden"
        type="file"
        multiple
        accept={accept}
        {...(directory ? ({ webkitdirectory: '' } as Record<string, string>) : {})}
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = '';
          onFiles(files);
        }}
      />
    </>
  );
}
