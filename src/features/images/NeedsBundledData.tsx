import { Waiting } from '../../app/Waiting';
import { offersBundledData, useStore } from '../../state/store';
import { chooseBundledData } from './commands';

/**
 * Where a panel needs the bundled data set and the loaded model is not its own: what to do, with a
 * button that ticks "Use the bundled …" in Images (the model is then fed the data set resized and
 * channel-adapted, as that choice says). `uploads` mentions the user's labelled images as the other way.
 */
export function NeedsBundledData({ what, uploads = false }: { what: string; uploads?: boolean }) {
  const offered = useStore(offersBundledData);
  const name = useStore((s) => s.dataset?.index.name ?? 'data set');
  if (!offered)
    // Still loading (the page's progress, app/Waiting), or a model that can take no bundled images.
    return <Waiting otherwise={`${what} needs labelled images.`} />;
  return (
    <div className="notice notice-warning needs-data" role="note">
      <span>
        {what} needs labelled images. This model was not trained on the bundled {name}: tick “Use the bundled{' '}
        {name}” in Images to feed it to this model (resized and channel-adapted)
        {uploads
          ? ', or add labelled images of at least two classes there and choose “Your labelled images”'
          : ''}
        .
      </span>
      <button type="button" onClick={() => chooseBundledData(true)}>
        Use the bundled {name}
      </button>
    </div>
  );
}
