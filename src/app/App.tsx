import { UNetDiagram } from '../features/blocks/UNetDiagram';
import { CkaPanel } from '../features/cka/CkaPanel';
import { EmbeddingPanel } from '../features/embedding/EmbeddingPanel';
import { ExtractControls } from '../features/extraction/ExtractControls';
import { FeatureMapsPanel } from '../features/featuremaps/FeatureMapsPanel';
import { GeneratePanel } from '../features/generate/GeneratePanel';
import { ImagesPanel } from '../features/images/ImagesPanel';
import { ImageInputChoice } from '../features/model/ImageInputChoice';
import { ModelChangeChoice } from '../features/model/ModelChangeChoice';
import { ProbePanel } from '../features/probe/ProbePanel';
import { SweepPanel } from '../features/sweep/SweepPanel';
import { TimestepControls } from '../features/timestep/TimestepPanel';
import { TOUR_STEPS } from '../features/tour/steps';
import { TourCard } from '../features/tour/TourCard';
import { useStore } from '../state/store';
import { Panel } from '../ui/Panel';
import { CacheControls } from './CacheControls';
import { Jobs } from './Jobs';
import { ModelControls } from './ModelControls';
import { Notices } from './Notices';
import { StatusLine } from './StatusLine';
import { ViewControls } from './ViewControls';

/**
 * The page: the explorer (images, timestep and blocks, feature maps) above, then the embedding,
 * probe, sweep and CKA as full-width panels. During the tour, `data-show` names the parts of the page
 * the current step is about (presenter mode hides the rest; see app.css).
 */
export function App() {
  const presenter = useStore((s) => s.presenter);
  const tour = useStore((s) => s.tour);
  const step = tour ? TOUR_STEPS[tour.step] : null;
  const classes = ['app', presenter && 'presenter', step && 'touring'].filter(Boolean).join(' ');
  return (
    <div className={classes} data-show={step?.show.join(' ')}>
      <header className="app-header">
        <h1>DiffProbe</h1>
        <StatusLine />
        <ViewControls />
        <ModelControls />
        <CacheControls />
      </header>
      <main className="layout">
        <ImageInputChoice />
        <ModelChangeChoice />
        <Notices />
        <div className="explorer">
          <Panel id="images" title="Images">
            <ImagesPanel />
          </Panel>
          <Panel id="timestep-blocks" title="Timestep & Blocks">
            <TimestepControls />
            <UNetDiagram />
            <ExtractControls />
          </Panel>
          <Panel id="feature-maps" title="Feature maps">
            <FeatureMapsPanel />
            <GeneratePanel />
          </Panel>
        </div>
        <Panel id="embedding" title="Embedding">
          <EmbeddingPanel />
        </Panel>
        <Panel id="probe" title="Probe">
          <ProbePanel />
        </Panel>
        <Panel id="sweep" title="Sweep: blocks × timesteps">
          <SweepPanel />
        </Panel>
        <Panel id="cka" title="Representational similarity (CKA)">
          <CkaPanel />
        </Panel>
        <Jobs />
      </main>
      {step && <TourCard />}
    </div>
  );
}
