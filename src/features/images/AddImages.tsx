import { useEffect, useRef, useState } from 'react';
import { getState } from '../../state/store';
import { FileButton } from '../../ui/FileButton';
import { addImageFiles, filesFromDrop } from './commands';

/** "Add images", "Add folder", drag-and-drop, paste and "Use camera". */
export function AddImages() {
  const [over, setOver] = useState(false);
  const [camera, setCamera] = useState<MediaStream | null>(null);
  const video = useRef<HTMLVideoElement>(null);

  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA')) return;
      const files = Array.from(e.clipboardData?.files ?? []);
      if (files.length) {
        e.preventDefault();
        void addImageFiles(files.map((file) => ({ file })));
      }
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, []);

  useEffect(() => {
    if (video.current && camera) video.current.srcObject = camera;
    return () => {
      for (const t of camera?.getTracks() ?? []) t.stop();
    };
  }, [camera]);

  const openCamera = async () => {
    try {
      if (!navigator.mediaDevices?.getUserMedia)
        throw new Error('this browser has no camera access (getUserMedia)');
      setCamera(
        await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false }),
      );
    } catch (error) {
      const e = error as DOMException;
      const denied = e.name === 'NotAllowedError' || e.name === 'SecurityError';
      getState().notify(
        'error',
        denied ? 'Camera permission denied' : 'The camera could not be opened',
        denied
          ? 'Allow camera access for this page in the browser’s site settings, then press “Use camera” again.'
          : `${e.message || e.name}. Check that a camera is connected and not used by another app.`,
      );
    }
  };

  const capture = async () => {
    const v = video.current;
    if (!v?.videoWidth) return;
    const canvas = new OffscreenCanvas(v.videoWidth, v.videoHeight);
    canvas.getContext('2d')!.drawImage(v, 0, 0);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    await addImageFiles([
      { file: Object.assign(blob, { name: `camera-${new Date().toISOString().slice(11, 19)}.png` }) },
    ]);
  };

  return (
    <section
      className={`add-images${over ? ' drag-over' : ''}`}
      aria-label="Drop images or folders here"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        void filesFromDrop(e.dataTransfer.items).then(addImageFiles);
      }}
    >
      <FileButton
        label="Add images"
        accept="image/*"
        onFiles={(files) => void addImageFiles(files.map((file) => ({ file })))}
      />
      <FileButton
        label="Add folder"
        directory
        onFiles={(files) =>
          void addImageFiles(files.map((file) => ({ file, path: file.webkitRelativePath })))
        }
      />
      {camera ? (
        <>
          <video ref={video} autoPlay playsInline muted className="camera" aria-label="Camera preview" />
          <button type="button" onClick={() => void capture()}>
            Capture
          </button>
          <button type="button" onClick={() => setCamera(null)}>
            Close camera
          </button>
        </>
      ) : (
        <button type="button" onClick={() => void openCamera()}>
          Use camera
        </button>
      )}
      <span className="muted">or drop files / folders here, or paste an image</span>
    </section>
  );
}
