import { UNetDiagram } from '../features/blocks/UNetDiagram';
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
import { Panel } from '../ui/Panel';
import { CacheControls } from './CacheControls';
import { Jobs } from './Jobs';
import { ModelControls } from './ModelControls';
import { Notices } from './Notices';
import { StatusLine } from './StatusLine';

export function App() {
  return (
    <div className="app">
      <header className="app-header">
        <h1>DiffProbe</h1>
        <StatusLine />
        <ModelControls />
        <CacheControls />
      </header>
      <ImageInputChoice />
      <ModelChangeChoice />
      <Notices />
      <Jobs />
      <main className="panels">
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
        <Panel id="embedding" title="Embedding">
          <EmbeddingPanel />
        </Panel>
        <Panel id="probe" title="Probe">
          <ProbePanel />
        </Panel>
        <Panel id="sweep" title="Sweep: blocks × timesteps">
          <SweepPanel />
        </Panel>
      </main>
    </div>
  );
}
