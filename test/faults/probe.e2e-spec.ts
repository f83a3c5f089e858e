import { startSandbox } from '../../src/sandbox/sandbox.server';
it('probe', async () => {
  const s = await startSandbox({ port: 0, roleAssignments: 3000 });
  console.log(s.admin.generatedRoleSlots('979'), s.admin.countRoleAssignments('979'));
  let n = 0;
  try {
    for (; n < 5000; n++) s.admin.findPersonWithoutRole('979', n);
  } catch (e) {
    console.log('stop', n, (e as Error).message);
  }
  console.log('without role ok up to', n);
  await s.close();
});
